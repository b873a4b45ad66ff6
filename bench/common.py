"""What every part of the throughput benchmark shares: configurations, servers, results."""

import asyncio
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from arq.connections import ArqRedis, RedisSettings
from arq.constants import default_queue_name, health_check_key_suffix
from redis.asyncio import Redis
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.cpu_accounting import CpuUse
from core.database import create_engine, create_session_factory
from core.migrations import upgrade
from models import Role
from services.access.users import create_user
from services.library.movement_library import seed_movement_library
from services.live.status_hub import StatusHub
from services.live.status_relay import StatusRelay
from services.unit_of_work import UnitOfWorkFactory

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/liftplan_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"

WEEKS, DAYS_PER_WEEK = 12, 7
EXPECTED_SESSIONS = WEEKS * DAYS_PER_WEEK  # 84

HEALTH_KEY = default_queue_name + health_check_key_suffix  # written by every worker's first poll
POLL_S = 0.02  # every wait below polls this often
SETTLE_S = 1.0  # after the workers are ready and the queue is empty, before the first run
# Pause between runs: at least 0.5 s so arq finishes the last run's bookkeeping, plus a random part
# as long as the longest poll delay, so that each program lands at a random point of the workers'
# poll cycle (a fixed pause would line every run up with the cycle the same way).
BETWEEN_RUNS_S = (0.5, 1.0)
WORKER_STOP_TIMEOUT_S = 30.0


class BenchError(Exception):
    """Something the benchmark needs never happened; the message says what."""


@dataclass(frozen=True)
class Config:
    key: str
    label: str
    workers: int
    poll_delay_s: float | None  # None: liftplan's default (WORKER_POLL_DELAY_S unset, 0.05 s)

    @property
    def poll_text(self) -> str:
        return "0.05 s (default)" if self.poll_delay_s is None else f"{self.poll_delay_s:g} s"


CONFIGS = (
    Config("a", "1 worker", 1, None),
    Config("b", "2 workers", 2, None),
    Config("c", "1 worker, arq poll 0.5 s", 1, 0.5),
)


# --- servers, database and clients ------------------------------------------------------------------


def with_database(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


def check_dedicated(database_url: str, redis_url: str) -> str:
    """The benchmark drops its database and flushes its Redis DB: refuse to do that to others."""
    name = make_url(database_url).database or ""
    if "bench" not in name:
        raise BenchError(
            f"refusing to use database {name!r}: it is dropped at the end, so its name must contain "
            "'bench' (set BENCH_DATABASE_URL to e.g. .../liftplan_bench)"
        )
    redis_db = RedisSettings.from_dsn(redis_url).database
    if redis_db == 0:
        raise BenchError(
            "refusing to flush Redis DB 0: set BENCH_REDIS_URL to a dedicated DB, e.g. redis://host:6379/13"
        )
    return name


async def admin_execute(database_url: str, *statements: str) -> None:
    connection = await asyncpg.connect(with_database(database_url, "postgres"))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@dataclass
class Clients:
    engine: AsyncEngine
    factory: async_sessionmaker[AsyncSession]
    arq: ArqRedis
    redis: Redis
    redis_pid: int  # of the Redis server, for the CPU accounting
    hub: StatusHub
    relay: StatusRelay
    units: UnitOfWorkFactory

    async def close(self) -> None:
        await self.hub.close()
        await self.relay.stop()
        await self.redis.aclose()
        await self.arq.aclose()
        await self.engine.dispose()


async def prepare(database_url: str) -> int:
    """Migrate, seed the movement library and create the programs' owner; return the owner's id."""
    await asyncio.to_thread(upgrade, database_url)  # alembic runs its own event loop
    engine = create_engine(database_url, pool_size=2)
    try:
        async with create_session_factory(engine)() as db, db.begin():
            seeded = await seed_movement_library(db)
            owner, _token = await create_user(db, "bench@example.com", "Bench", Role.COACH)
        print(f"seeded {seeded.total} movements; owner user {owner.id}")
        return owner.id
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class RunResult:
    created_s: float  # create_program: commit, then the 84 jobs enqueued
    first_s: float
    last_s: float
    attempts: int
    cpu: CpuUse | None
