"""The real app under a real uvicorn on a free loopback port, and a client for its GraphQL API."""

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from core.servers import ServerUrls
from core.settings import Settings
from tests.waiting import eventually
from web.app import create_app
from web.websocket_protocol import UVICORN_WS_OPTIONS

UserMaker = Callable[..., Awaitable[str]]
"""Creates a user (``role`` optional, a coach by default) and returns their API token."""


@dataclass
class Api:
    base_url: str
    client: httpx.AsyncClient
    app: Any = None

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/graphql"

    async def graphql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()


@asynccontextmanager
async def running_api(settings: Settings, *, send_buffer: int | None = None) -> AsyncIterator[Api]:
    """The real app under a real uvicorn on a free loopback port, for the length of the block.

    ``send_buffer`` sets the kernel's send buffer of every accepted connection (they inherit the
    listening socket's), so that data a client does not read piles up where the app can see it."""
    assert settings.database_url and settings.redis_url
    app = create_app(settings, ServerUrls(settings.database_url, settings.redis_url, embedded=False))
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer is not None:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    # Shut down as ``liftplan serve`` does: requests still running after the grace are cut, so a
    # busy machine's slow request cannot hold the teardown past its deadline below.
    config = uvicorn.Config(
        app,
        log_config=None,
        timeout_graceful_shutdown=settings.api_shutdown_grace_s,
        **UVICORN_WS_OPTIONS,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listening]))

    async def started() -> bool:
        if task.done():
            task.result()  # raises what stopped it
            raise AssertionError("uvicorn exited before it started")
        return bool(server.started)

    await eventually(started, timeout=30, interval=0.01, what="uvicorn started")
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            yield Api(base_url, client, app)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
