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
from core.job_queue import ArqJobQueue
from core.servers import ServerUrls
from core.settings import Settings
from services.adapters.outages import Outages
from services.adapters.redis_status_stream import StatusStream
from services.live.status_hub import StatusHub
from services.live.status_relay import StatusRelay
from services.unit_of_work import UnitOfWorkFactory

T = TypeVar("T")
Factory = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Clients:
    """A command's connections: its units of work relay the events they write themselves, and
    ``hub`` follows programs live, as an API process does."""

    factory: Factory
    arq: ArqRedis
    queue: ArqJobQueue
    units: UnitOfWorkFactory
    hub: StatusHub
    outages: Outages


@asynccontextmanager
async def open_clients(urls: ServerUrls, settings: Settings) -> AsyncIterator[Clients]:
    engine = create_engine(urls.database_url, pool_size=2)
    arq = await create_pool(RedisSettings.from_dsn(urls.redis_url))
    factory = create_session_factory(engine)
    outages = Outages()
    relay = StatusRelay(
        factory,
        StatusStream(arq, maxlen=settings.status_stream_maxlen),
        outages,
        sweep_s=settings.status_relay_sweep_s,
    )
    hub = StatusHub(StatusStream(arq), factory, outages, poll_s=settings.status_hub_poll_s)
    queue = ArqJobQueue(arq)
    relay.start()
    hub.start()
    try:
        yield Clients(
            factory,
            arq,
            queue,
            UnitOfWorkFactory(factory, relay=relay, queue=queue, queue_outage=outages.redis),
            hub,
            outages,
        )
    finally:
        await hub.close()
        await relay.stop()
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


def run_with_clients(urls: ServerUrls, settings: Settings, work: Callable[[Clients], Awaitable[T]]) -> T:
    async def runner() -> T:
        async with open_clients(urls, settings) as clients:
            return await work(clients)

    return asyncio.run(runner())
