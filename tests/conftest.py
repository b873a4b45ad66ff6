"""Shared test fixtures: real PostgreSQL and Redis, set up once per run.

Servers: ``TEST_DATABASE_URL``/``TEST_REDIS_URL`` (or ``DATABASE_URL``/``REDIS_URL``) when set,
otherwise embedded ones started for this run in a temporary data folder. The schema is migrated
once into a template database; every test gets its own copy (``CREATE DATABASE ... TEMPLATE``,
tens of milliseconds) and a flushed Redis database.

The real app served over HTTP comes from ``tests/api_fixtures.py`` (``api``, ``token``, ...), a plugin
listed here so that every package's tests have it without importing another package's conftest.
"""

import asyncio
import itertools
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.database import create_engine, create_session_factory
from core.job_queue import ArqJobQueue
from core.migrations import upgrade
from core.servers import ServerUrls, provide_servers
from core.settings import Settings
from services.adapters.outages import Outages
from services.adapters.redis_status_stream import StatusStream
from services.library.movement_library import seed_movement_library
from services.live.status_hub import StatusHub
from services.unit_of_work import UnitOfWorkFactory
from tests.databases import admin_execute, with_database

pytest_plugins = ["tests.api_fixtures"]

_counter = itertools.count()


@pytest.fixture(scope="session")
def servers() -> Iterator[ServerUrls]:
    database_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    with tempfile.TemporaryDirectory(prefix="liftplan-test-") as data_dir:
        settings = Settings(database_url=database_url, redis_url=redis_url, liftplan_data_dir=Path(data_dir))
        with provide_servers(settings, command="pytest", may_attach=False) as urls:
            yield urls


@pytest.fixture(scope="session")
def template_database(servers: ServerUrls) -> Iterator[str]:
    """A database migrated to head once per run; tests clone it."""
    name = f"liftplan_template_{os.getpid()}"
    asyncio.run(
        admin_execute(servers.database_url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    )
    upgrade(with_database(servers.database_url, name))
    yield name
    asyncio.run(admin_execute(servers.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def database_url(servers: ServerUrls, template_database: str) -> AsyncIterator[str]:
    """A fresh database at the head revision for this test only."""
    name = f"liftplan_test_{os.getpid()}_{next(_counter)}"
    await admin_execute(servers.database_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    yield with_database(servers.database_url, name)
    await admin_execute(servers.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def empty_database_url(servers: ServerUrls) -> AsyncIterator[str]:
    """A fresh database with no schema at all (for migration tests)."""
    name = f"liftplan_empty_{os.getpid()}_{next(_counter)}"
    await admin_execute(servers.database_url, f'CREATE DATABASE "{name}"')
    yield with_database(servers.database_url, name)
    await admin_execute(servers.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
def units(session_factory: async_sessionmaker[AsyncSession]) -> UnitOfWorkFactory:
    """Units of work on the test database, with no relay or queue behind them."""
    return UnitOfWorkFactory(session_factory)


@pytest.fixture
async def db_session(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


@pytest.fixture
def redis_url(servers: ServerUrls) -> str:
    return servers.redis_url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """A client on the test Redis database, flushed before the test."""
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
async def library(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """The curated movement library, seeded into the test database."""
    async with session_factory() as db, db.begin():
        await seed_movement_library(db)


@pytest.fixture
async def arq_pool(redis: Redis, redis_url: str) -> AsyncIterator[ArqRedis]:
    """An arq pool on the test Redis (flushed by the ``redis`` fixture first)."""
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    yield pool
    await pool.aclose()


@pytest.fixture
def queue(arq_pool: ArqRedis) -> ArqJobQueue:
    return ArqJobQueue(arq_pool)


@pytest.fixture
async def hub(
    redis: Redis, redis_url: str, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[StatusHub]:
    """A started status hub on its own Redis client, as an API process has."""
    client = Redis.from_url(redis_url)
    hub = StatusHub(StatusStream(client), session_factory, Outages(), poll_s=0.5)
    hub.start()
    yield hub
    await hub.close()
    await client.aclose()
