"""Servers these tests own (to stop and restart them) and databases cloned from one template on
them; what the tests watch (session statuses, process logs) is in ``fault_support.py``."""

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import create_engine, create_session_factory
from core.migrations import upgrade
from services.library.movement_library import seed_movement_library
from tests.databases import admin_execute, with_database
from tests.faults.fault_support import OwnServers
from tests.servers import OwnPostgres, OwnRedis


@pytest.fixture(scope="session")
def own_servers() -> Iterator[OwnServers]:
    """A PostgreSQL and a Redis of these tests' own, started once per run, migrated once.

    Their folder is not under pytest's numbered temporary folders, which another pytest run
    may rotate away while these servers still run."""
    with tempfile.TemporaryDirectory(prefix="liftplan-own-servers-", ignore_cleanup_errors=True) as root:
        postgres, redis = OwnPostgres(Path(root) / "pg"), OwnRedis(Path(root) / "redis")
        postgres.start()
        redis.start()
        template = f"liftplan_faults_{os.getpid()}"
        asyncio.run(admin_execute(postgres.url, f'CREATE DATABASE "{template}"'))
        upgrade(with_database(postgres.url, template))
        try:
            yield OwnServers(postgres, redis, template)
        finally:
            redis.stop()
            postgres.stop()


_count = iter(range(1, 10_000))


@pytest.fixture
async def own_database_url(own_servers: OwnServers) -> AsyncIterator[str]:
    """A fresh database on the test's own PostgreSQL (started again if a test left it stopped),
    with the movement library."""
    own_servers.postgres.start()
    name = f"faults_{os.getpid()}_{next(_count)}"
    await admin_execute(
        own_servers.postgres.url, f'CREATE DATABASE "{name}" TEMPLATE "{own_servers.template}"'
    )
    url = with_database(own_servers.postgres.url, name)
    engine = create_engine(url, pool_size=1)
    async with create_session_factory(engine)() as db, db.begin():
        await seed_movement_library(db)
    await engine.dispose()
    yield url
    own_servers.postgres.start()
    await admin_execute(own_servers.postgres.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def own_redis_url(own_servers: OwnServers) -> AsyncIterator[str]:
    if not await _answers(own_servers.redis.url):  # a test left it stopped
        own_servers.redis.start()
    client = Redis.from_url(own_servers.redis.url)
    await client.flushall()
    await client.aclose()
    yield own_servers.redis.url


async def _answers(url: str) -> bool:
    client = Redis.from_url(url, socket_connect_timeout=1)
    try:
        return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()


@pytest.fixture
async def own_engine(own_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(own_database_url, pool_size=2)
    yield engine
    await engine.dispose()
