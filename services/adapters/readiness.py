"""Readiness: the two things liftplan cannot work without, PostgreSQL and Redis, answer, and the
database's schema is the one the code's migrations end at.

The caller learns only whether each is ready; why one is not goes to the log, once per outage.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.adapters.outages import describe_error

log = logging.getLogger(__name__)
CHECK_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Readiness:
    ok: bool
    latency_ms: float
    error: str | None = None  # for the log only: it may name hosts and ports
    failure: str = "unavailable"  # the status a caller sees when not ok

    @property
    def status(self) -> str:
        return "ok" if self.ok else self.failure

    def public(self) -> dict[str, object]:
        """What a caller may see (no reason: that is in the log)."""
        return {"ok": self.ok, "latency_ms": round(self.latency_ms, 3)}


async def _timed(probe: Awaitable[object]) -> Readiness:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await probe
    except Exception as exc:  # any failure means unhealthy; the reason is reported, not raised
        return Readiness(False, (time.perf_counter() - started) * 1000, describe_error(exc))
    return Readiness(True, (time.perf_counter() - started) * 1000)


async def check_database(engine: AsyncEngine) -> Readiness:
    async def probe() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return await _timed(probe())


async def check_redis(redis: Redis) -> Readiness:
    return await _timed(redis.ping())


async def check_migrations(engine: AsyncEngine, heads: frozenset[str]) -> Readiness:
    """ok when the database's ``alembic_version`` holds exactly ``heads``; ``behind`` when it
    answers with other revisions (or none), ``unavailable`` when it does not answer."""
    found: set[str] = set()

    async def probe() -> None:
        async with engine.connect() as connection:
            if await connection.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL")):
                found.update(await connection.scalars(text("SELECT version_num FROM alembic_version")))

    readiness = await _timed(probe())
    if readiness.ok and found != heads:
        reason = f"database at {sorted(found) or 'no revision'}, the code's head is {sorted(heads)}"
        return Readiness(False, readiness.latency_ms, reason, failure="behind")
    return readiness


class ReadinessChecks:
    """The readiness checks, logged as outages: one WARNING with the reason when a check starts
    failing, DEBUG while it still fails, one WARNING when it passes again (``/readyz`` may be
    polled every second by anyone)."""

    def __init__(self, engine: AsyncEngine, redis: Redis, heads: frozenset[str]) -> None:
        self._engine = engine
        self._redis = redis
        self._heads = heads
        self._failing: set[str] = set()

    async def check(self) -> dict[str, Readiness]:
        database = await check_database(self._engine)
        results = {"database": database, "redis": await check_redis(self._redis)}
        if database.ok:
            results["migrations"] = await check_migrations(self._engine, self._heads)
        else:  # one failure, logged once: the database's
            results["migrations"] = Readiness(False, 0.0, None)
        for name, readiness in results.items():
            self._log(name, readiness)
        return results

    def _log(self, name: str, readiness: Readiness) -> None:
        if readiness.error is None and not readiness.ok:
            return
        if readiness.ok:
            if name in self._failing:
                self._failing.discard(name)
                log.warning("readiness: %s answers again", name)
        elif name in self._failing:
            log.debug("readiness: %s still unavailable (%s)", name, readiness.error)
        else:
            self._failing.add(name)
            log.warning("readiness: %s unavailable (%s)", name, readiness.error)
