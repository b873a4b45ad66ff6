"""arq's worker, kept alive: an idle worker outlives a stopped Redis, and a job start that Redis
fails gives its slot back (arq would leak it, and a worker that leaked all its slots starves)."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.job_queue import ArqJobQueue
from core.settings import Settings
from jobs.in_process_worker import stop_worker
from jobs.worker import SupervisedWorker, build_worker, wait_for_redis
from models import GenerationStatus, Session
from services.adapters.outages import Outages
from tests.factories import make_program_with_sessions
from tests.servers import OwnRedis
from tests.waiting import eventually


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[OwnRedis]:
    server = OwnRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


async def _running(worker: SupervisedWorker) -> "asyncio.Task[None]":
    task = asyncio.create_task(worker.async_run())
    await eventually(
        lambda: _true(worker.ctx.get("generation") is not None), timeout=30, what="worker started"
    )
    return task


async def _true(value: bool) -> bool:
    return value


async def test_an_idle_worker_outlives_redis_going_away_and_works_after(
    private_redis: OwnRedis,
    database_url: str,
    session_factory: async_sessionmaker[AsyncSession],
    library: None,
) -> None:
    settings = Settings(database_url=database_url, redis_url=private_redis.url, worker_poll_delay_s=0.01)
    outages = Outages()
    worker = build_worker(
        settings,
        database_url,
        private_redis.url,
        handle_signals=False,
        outages=outages,
        redis_pool=await wait_for_redis(private_redis.url, outages),
    )
    task = await _running(worker)
    try:
        private_redis.stop()
        await eventually(lambda: _true(outages.redis.ongoing), timeout=30, what="the outage noticed")
        assert not task.done()  # arq alone would have ended here
        private_redis.start()
        await eventually(lambda: _true(not outages.redis.ongoing), timeout=30, what="Redis back")

        program_id, session_ids = await make_program_with_sessions(session_factory, weeks=1, days_per_week=2)
        await ArqJobQueue(worker.pool).enqueue_generation(session_ids)

        async def complete() -> bool:
            async with session_factory() as db:
                rows = [await db.get(Session, sid) for sid in session_ids]
            return all(row is not None and row.generation_status is GenerationStatus.COMPLETE for row in rows)

        await eventually(complete, timeout=30, what="the new program generated")
        del program_id
    finally:
        # Between two polls, as serve's in-process worker stops: cancelled mid-poll, arq's job-start
        # pipeline is cut inside redis-py's reset and leaks its connection (a ResourceWarning).
        await stop_worker(worker, task)


async def test_a_job_start_that_redis_fails_gives_its_slot_back(
    private_redis: OwnRedis, database_url: str
) -> None:
    settings = Settings(database_url=database_url, redis_url=private_redis.url, worker_max_jobs=3)
    outages = Outages()
    worker = build_worker(
        settings,
        database_url,
        private_redis.url,
        handle_signals=False,
        outages=outages,
        redis_pool=await wait_for_redis(private_redis.url, outages),
    )
    free = worker.sem._value  # arq's BoundedSemaphore: releasing one slot too many would raise
    private_redis.stop()
    for _ in range(5):  # more failed starts than the worker has slots
        with pytest.raises(ConnectionError):
            await worker.start_jobs([b"generate-session:1"])
    assert worker.job_counter == 0 and worker.sem._value == free  # every slot is back
    private_redis.start()
    await worker.close()
