"""What every command needs: an event loop with a database (and Redis) for the work."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.database import create_engine, create_session_factory
from core.servers import ServerUrls

T = TypeVar("T")
Factory = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Clients:
    factory: Factory
    arq: ArqRedis


@asynccontextmanager
async def open_clients(urls: ServerUrls) -> AsyncIterator[Clients]:
    engine = create_engine(urls.database_url, pool_size=2)
    arq = await create_pool(RedisSettings.from_dsn(urls.redis_url))
    try:
        yield Clients(create_session_factory(engine), arq)
    finally:
        await arq.aclose()
        await engine.dispose()


def run_with_database(database_url: str, work: Callable[[Factory], Awaitable[T]]) -> T:
    """Run ``work`` with a session factory on a fresh event loop, disposing the engine after."""

    async def runner() -> T:
        engine = create_engine(database_url, pool_size=2)
        try:
            return await work(create_session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(runner())


def run_with_clients(urls: ServerUrls, work: Callable[[Clients], Awaitable[T]]) -> T:
    async def runner() -> T:
        async with open_clients(urls) as clients:
            return await work(clients)

    return asyncio.run(runner())
