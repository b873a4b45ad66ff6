"""liftplan's WebSocket protocol for uvicorn: ``websockets-sansio`` plus a batched text send.

A regeneration puts hundreds of status events on each of a thousand sockets within a second. The
profile of that showed most of the API's time in ``transport.write``: one ``send()`` system call
per frame per socket, each one also running the loopback peer's receive path. A watcher that
falls behind has several messages waiting, and ASGI can only hand them over one by one.

So the scope of each accepted socket carries two functions (ASGI lets a server add its own
extensions) that frame any number of text messages and write them with one ``transport.write``,
with uvicorn's state checks (a closed socket raises ``ClientDisconnected``) and its flow control:
``DIRECT_WRITE_TEXTS`` writes now, or nothing while the transport is paused (the client is slow),
and ``DIRECT_SEND_TEXTS`` waits until it is not. Neither needs a task per socket. A server's frames
are not masked, so a text is the same bytes on every socket: each distinct text is framed once.
``web.live_groups`` uses it for the result messages it has already serialized (one message object
per event for all the watchers with the same operation id); everything else (the handshake,
Strawberry's own messages, closes) goes through ASGI, to the same transport, in call order.

uvicorn takes a protocol class for ``ws``; the uvicorn range pinned in pyproject.toml is the one
this was read against.
"""

import struct
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.http11 import Request
from websockets.protocol import State

DIRECT_WRITE_TEXTS = "liftplan.websocket.write_texts"
DIRECT_SEND_TEXTS = "liftplan.websocket.send_texts"


class LiftplanWebSocketProtocol(WebSocketsSansIOProtocol):
    """``websockets-sansio`` offering :meth:`write_texts` and :meth:`send_texts` in the scope of
    accepted sockets."""

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if not self.close_sent:  # accepted: the scope exists and the app is about to run
            # ASGI types an extension as a dict of options; these two are functions, read by web/.
            extensions: dict[str, Any] | None = self.scope["extensions"]
            assert extensions is not None
            extensions[DIRECT_WRITE_TEXTS] = self.write_texts
            extensions[DIRECT_SEND_TEXTS] = self.send_texts

    def write_texts(self, texts: Sequence[str]) -> bool:
        """Write each of ``texts`` as a text frame now, all in one write; False, writing
        nothing, while the transport is paused (the client is not reading fast enough)."""
        if not self.writable.is_set() and not self.disconnected:
            return False
        self._write(texts)
        return True

    async def send_texts(self, texts: Sequence[str]) -> None:
        """Send each of ``texts`` as a text frame, all in one write, once the transport is
        writable."""
        await self.writable.wait()
        self._write(texts)

    def _write(self, texts: Sequence[str]) -> None:
        if self.disconnected or self.close_sent or not self.handshake_complete:
            raise ClientDisconnected()
        if self.conn.state is not State.OPEN:
            raise ClientDisconnected()
        if self.conn.extensions:  # compression negotiated (not by our servers): frame each here
            try:
                for text in texts:
                    self.conn.send_text(text.encode())
            except InvalidState:
                raise ClientDisconnected() from None
            self.transport.write(b"".join(self.conn.data_to_send()))
            return
        waiting = self.conn.data_to_send()  # empty in practice: uvicorn writes it out each time
        self.transport.write(b"".join([*waiting, *map(text_frame, texts)]))


@lru_cache(maxsize=1024)  # the messages of the last few events of every group
def text_frame(text: str) -> bytes:
    """One final, unmasked text frame (RFC 6455, 5.2). A group sends the same message text to
    all its watchers, so each event is framed once, not once per socket."""
    payload = text.encode()
    length = len(payload)
    if length < 126:
        return bytes((0x81, length)) + payload
    if length < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, length) + payload
    return struct.pack("!BBQ", 0x81, 127, length) + payload


# How liftplan's servers run WebSockets under uvicorn (``main.py serve`` and the tests').
# No per-message deflate: status events are small JSON, and compression costs a zlib context per
# socket (tens of KB) and one compression per message per socket, undoing "serialize once".
UVICORN_WS_OPTIONS: dict[str, Any] = {"ws": LiftplanWebSocketProtocol, "ws_per_message_deflate": False}
