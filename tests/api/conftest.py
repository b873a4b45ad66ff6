"""A real uvicorn server on a free loopback port, serving the real app, per test."""

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.servers import ServerUrls
from core.settings import Settings
from models import Role
from services.access.users import create_user
from tests.waiting import eventually
from web.app import create_app
from web.websocket_protocol import UVICORN_WS_OPTIONS


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


@pytest.fixture
def api_settings(database_url: str, redis_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        generation_retry_base_s=0.05,
        worker_poll_delay_s=0.01,
    )


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
    config = uvicorn.Config(app, log_config=None, **UVICORN_WS_OPTIONS)
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


@pytest.fixture
async def api(api_settings: Settings, redis: object) -> AsyncIterator[Api]:
    async with running_api(api_settings) as api:
        yield api


UserMaker = Callable[..., Awaitable[str]]


@pytest.fixture
def make_token(session_factory: async_sessionmaker[AsyncSession]) -> UserMaker:
    """Create a user and return their API token."""
    counter = iter(range(1, 10_000))

    async def make(role: Role = Role.COACH) -> str:
        async with session_factory() as db, db.begin():
            _, token = await create_user(db, f"api{next(counter)}@example.com", "API user", role)
        return token

    return make


@pytest.fixture
async def token(make_token: UserMaker) -> str:
    return await make_token()
