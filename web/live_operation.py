"""The subscription operation a WebSocket handler is running, for the code it runs to see.

Strawberry runs each operation of a socket in its own task; our handlers (``web.websocket_guards``)
set ``LIVE_OPERATION`` at the top of that task, so that a subscription resolver can hand the
operation to ``web.live_groups``, which then writes ready-serialized messages to the socket
itself instead of yielding events for Strawberry to execute once per subscriber.
"""

import json
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


@dataclass
class LiveOperation:
    operation_id: str
    variables: dict[str, Any]  # as the client sent them
    protocol: str
    send_text: Callable[[str], Awaitable[None]]
    close: Callable[[int, str], Awaitable[None]]
    # Several messages in one write (``web.websocket_protocol``), where the server can: now
    # (False while the socket is paused), or once the socket is writable.
    write_texts: Callable[[Sequence[str]], bool] | None = None
    send_texts: Callable[[Sequence[str]], Awaitable[None]] | None = None
    prefix: str = field(init=False)  # the message up to the payload: equal prefixes, equal messages

    def __post_init__(self) -> None:
        message_type = "next" if self.protocol == TRANSPORT_WS else "data"
        self.prefix = f'{{"id":{json.dumps(self.operation_id)},"type":"{message_type}","payload":'

    def message(self, payload_json: str) -> str:
        """The protocol's result message around an already serialized ``payload``."""
        return f"{self.prefix}{payload_json}}}"


LIVE_OPERATION: ContextVar[LiveOperation | None] = ContextVar("live_operation", default=None)
