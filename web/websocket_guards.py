"""Reject malformed WebSocket messages before Strawberry's handlers index into them.

Strawberry's handlers assume every message is an object with the fields its type needs: a JSON
array, or a ``subscribe`` whose payload is a string, raises inside the handler and drops the
socket without a close code. These subclasses check the shape first and close with 4400
(graphql-transport-ws) or answer ``connection_error`` and close (legacy graphql-ws).

A ``connection_init`` that cannot be checked because the database is unreachable closes the
socket with 1013 (try again later), not 4403: the token may well be good. A client that goes
away while an event is being sent to it is normal (a closed tab, a network blip): logged at
DEBUG, where Strawberry logs it at ERROR with a traceback.
"""

import logging
from typing import Any

from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from services.errors import Unavailable

TRY_AGAIN_LATER = 1013
log = logging.getLogger(__name__)

OPERATION_TYPES = {"subscribe", "start"}


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


class GuardedTransportWSHandler(BaseGraphQLTransportWSHandler):  # type: ignore[type-arg]
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

    async def handle_task_exception(self, error: Exception) -> None:
        if isinstance(error, WebSocketDisconnected):
            log.debug("client went away while an operation was sending to it")
            return
        await super().handle_task_exception(error)


class GuardedLegacyWSHandler(BaseGraphQLWSHandler):  # type: ignore[type-arg]
    async def handle_message(self, message: Any) -> None:
        problem = message_problem(message)
        if problem is not None:
            await self.send_message({"type": "connection_error", "payload": {"message": problem}})  # type: ignore[typeddict-item]
            await self.websocket.close(code=4400, reason=problem)
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: Any) -> None:
        try:
            await super().handle_connection_init(message)
        except Unavailable as exc:
            await self.send_message({"type": "connection_error", "payload": {"message": exc.message}})  # type: ignore[typeddict-item]
            await self.websocket.close(code=TRY_AGAIN_LATER, reason=exc.message)
