"""Liveness of the two things liftplan cannot work without: PostgreSQL and Redis."""

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

CHECK_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class DependencyHealth:
    ok: bool
    latency_ms: float
    error: str | None = None


async def _timed(probe: Awaitable[object]) -> DependencyHealth:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await probe
    except Exception as exc:  # any failure means unhealthy; the reason is reported, not raised
        return DependencyHealth(False, (time.perf_counter() - started) * 1000, f"{type(exc).__name__}: {exc}")
    return DependencyHealth(True, (time.perf_counter() - started) * 1000)


async def check_database(engine: AsyncEngine) -> DependencyHealth:
    async def probe() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return await _timed(probe())


async def check_redis(redis: Redis) -> DependencyHealth:
    return await _timed(redis.ping())
