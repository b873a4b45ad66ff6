"""Reject malformed WebSocket messages before Strawberry's handlers index into them.

Strawberry's handlers assume every message is an object with the fields its type needs: a JSON
array, or a ``subscribe`` whose payload is a string, raises inside the handler and drops the
socket without a close code. These subclasses check the shape first and close with 4400
(graphql-transport-ws) or answer ``connection_error`` and close (legacy graphql-ws).

A ``connection_init`` that cannot be checked because the database is unreachable closes the
socket with 1013 (try again later), not 4403: the token may well be good. A client that goes
away while an event is being sent to it is normal (a closed tab, a network blip): logged at
DEBUG, where Strawberry logs it at ERROR with a traceback.

Every ``subscribe`` (``start`` on the legacy protocol) re-checks that the socket's token is still
its user's (``web.open_sockets``) and closes the socket with 4403 if not; while the database
cannot say, that operation alone gets an ``error`` message, UNAVAILABLE (the socket stays open).
The legacy protocol gets what Strawberry gives only graphql-transport-ws: sockets that send no
``connection_init`` in time are closed with 4408, and a bad token closes with 4403 (Strawberry
closes with 1011).
"""

import asyncio
import contextlib
import logging
from typing import Any

from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from resolvers.context import Context
from schema.errors import as_graphql_error
from services.adapters.transient_errors import is_transient
from services.errors import Unavailable
from web.live_operation import LEGACY_WS, LIVE_OPERATION, TRANSPORT_WS, LiveOperation
from web.websocket_protocol import DIRECT_SEND_TEXTS, DIRECT_WRITE_TEXTS

TRY_AGAIN_LATER = 1013
FORBIDDEN = 4403
INIT_TIMEOUT = 4408
TOKEN_GONE = "the API token was revoked or replaced"
log = logging.getLogger(__name__)


async def token_still_valid(context: Any) -> bool:
    """False when the socket's token was revoked or replaced since ``connection_init``."""
    socket = getattr(context, "socket", None)
    if socket is None:  # not registered (a test's bare handler): nothing to re-check
        return True
    try:
        return bool(await context.request.state.sockets.still_valid(socket))
    except Exception as exc:
        if is_transient(exc):
            raise Unavailable() from exc
        raise


OPERATION_TYPES = {"subscribe", "start"}


def live_operation(
    adapter: Any, operation_id: str, variables: dict[str, Any], protocol: str
) -> LiveOperation:
    """The operation as ``web.live_groups`` sees it, with the server's batched writes where it
    offers them (``web.websocket_protocol``). ``adapter`` is Strawberry's around the socket."""
    websocket: WebSocket = adapter.ws
    extensions = websocket.scope.get("extensions") or {}
    return LiveOperation(
        operation_id,
        variables,
        protocol,
        websocket.send_text,
        adapter.close,
        write_texts=extensions.get(DIRECT_WRITE_TEXTS),
        send_texts=extensions.get(DIRECT_SEND_TEXTS),
    )


def message_problem(message: Any) -> str | None:
    """Why this message cannot be handled, or None when its shape is sound."""
    if not isinstance(message, dict):
        return "message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "message needs a string 'type'"
    if "id" in message and not isinstance(message["id"], str):
        return "'id' must be a string"
    payload = message.get("payload")
    if kind in OPERATION_TYPES:
        if not isinstance(message.get("id"), str) or not message["id"]:
            return f"'{kind}' needs an 'id'"
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return f"'{kind}' needs a payload with a 'query' string"
        for key, expected in (("variables", dict), ("operationName", str), ("extensions", dict)):
            if payload.get(key) is not None and not isinstance(payload[key], expected):
                return f"'payload.{key}' has the wrong type"
    elif kind == "connection_init" and payload is not None and not isinstance(payload, dict):
        return "connection_init payload must be an object"
    return None


class GuardedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    async def handle_message(self, message: Any) -> None:
        problem = message_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: Any) -> None:
        try:
            await super().handle_connection_init(message)
        except Unavailable as exc:
            await self.websocket.close(code=TRY_AGAIN_LATER, reason=exc.message)

    async def handle_subscribe(self, message: Any) -> None:
        try:
            gone = self.connection_acknowledged and not await token_still_valid(self.context)
        except Unavailable as exc:
            error = as_graphql_error(exc).formatted
            await self.send_message({"id": message["id"], "type": "error", "payload": [error]})
            return
        if gone:
            await self.websocket.close(code=FORBIDDEN, reason=TOKEN_GONE)
            return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Any) -> None:
        live = live_operation(self.websocket, operation.id, operation.variables or {}, TRANSPORT_WS)
        token = LIVE_OPERATION.set(live)
        try:
            await super().run_operation(operation)
        finally:
            LIVE_OPERATION.reset(token)

    async def handle_task_exception(self, error: Exception) -> None:
        if isinstance(error, WebSocketDisconnected):
            log.debug("client went away while an operation was sending to it")
            return
        await super().handle_task_exception(error)


class GuardedLegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    async def handle_message(self, message: Any) -> None:
        problem = message_problem(message)
        if problem is not None:
            await self.send_message({"type": "connection_error", "payload": {"message": problem}})
            await self.websocket.close(code=4400, reason=problem)
            return
        await super().handle_message(message)

    async def handle(self) -> None:
        timer = asyncio.create_task(self._close_unless_initialised())
        try:
            await super().handle()
        finally:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer

    async def _close_unless_initialised(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())  # the allowance
        if not self.connection_acknowledged:
            await self.websocket.close(code=INIT_TIMEOUT, reason="Connection initialisation timeout")

    async def handle_connection_init(self, message: Any) -> None:
        """Strawberry's, with the close codes of graphql-transport-ws: 4403 for a bad token."""
        payload = message.get("payload")
        if payload is not None and not isinstance(payload, dict):
            await self.send_message({"type": "connection_error"})
            await self.websocket.close(code=4400, reason="connection_init payload must be an object")
            return
        self.context.connection_params = payload or {}
        try:
            await self.view.on_ws_connect(self.context)
        except ConnectionRejectionError as exc:
            await self.send_message({"type": "connection_error", "payload": exc.payload})
            await self.websocket.close(code=FORBIDDEN, reason="Forbidden")
            return
        except Unavailable as exc:
            await self.send_message({"type": "connection_error", "payload": {"message": exc.message}})
            await self.websocket.close(code=TRY_AGAIN_LATER, reason=exc.message)
            return
        await self.send_message({"type": "connection_ack"})
        self.connection_acknowledged = True
        if self.keep_alive:
            self.keep_alive_task = asyncio.create_task(self.handle_keep_alive())

    async def handle_start(self, message: Any) -> None:
        try:
            gone = self.connection_acknowledged and not await token_still_valid(self.context)
        except Unavailable as exc:
            error = as_graphql_error(exc).formatted
            await self.send_message({"id": message["id"], "type": "error", "payload": error})
            return
        if gone:
            await self.websocket.close(code=FORBIDDEN, reason=TOKEN_GONE)
            return
        await super().handle_start(message)

    async def handle_async_results(
        self, operation_id: str, query: str, operation_name: str | None, variables: dict[str, object] | None
    ) -> None:
        live = live_operation(self.websocket, operation_id, variables or {}, LEGACY_WS)
        token = LIVE_OPERATION.set(live)
        try:
            await super().handle_async_results(operation_id, query, operation_name, variables)
        finally:
            LIVE_OPERATION.reset(token)
