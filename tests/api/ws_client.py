"""A minimal graphql-transport-ws client over the ``websockets`` package, speaking the protocol
by hand so tests can also send it garbage."""

import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

PROTOCOL = Subprotocol("graphql-transport-ws")


class GraphQLSocket:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._next_id = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self, timeout: float = 10) -> dict[str, Any]:
        import asyncio

        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def init(self, token: str | None) -> dict[str, Any]:
        await self.send(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"} if token else {}}
        )
        return await self.receive()

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._next_id += 1
        op_id = str(self._next_id)
        await self.send(
            {"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}
        )
        return op_id

    async def messages(self, op_id: str, timeout: float = 30) -> AsyncGenerator[dict[str, Any]]:
        """Yield this operation's ``next`` payloads until ``complete``; raise on ``error``."""
        while True:
            message = await self.receive(timeout)
            if message.get("type") == "ping":
                await self.send({"type": "pong"})
                continue
            if message.get("id") != op_id:
                continue
            if message["type"] == "next":
                yield message["payload"]
            elif message["type"] == "complete":
                return
            elif message["type"] == "error":
                raise AssertionError(f"subscription error: {message['payload']}")


@asynccontextmanager
async def graphql_socket(url: str) -> AsyncIterator[GraphQLSocket]:
    async with connect(url, subprotocols=[PROTOCOL]) as ws:
        yield GraphQLSocket(ws)
