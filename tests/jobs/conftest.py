"""Real arq workers on the test Redis, against the per-test database."""

from collections.abc import AsyncIterator

import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from redis.asyncio import Redis

from core.settings import Settings
from jobs.worker import build_worker


@pytest.fixture
def job_settings(database_url: str, redis_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        generation_retry_base_s=0.05,
        generation_retry_max_s=0.2,
        generation_timeout_s=10,
        worker_poll_delay_s=0.01,
    )


@pytest.fixture
async def arq_pool(redis: Redis, redis_url: str) -> AsyncIterator[ArqRedis]:
    """An arq pool on the test Redis (flushed by the ``redis`` fixture first)."""
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    yield pool
    await pool.aclose()


async def run_worker_until_idle(settings: Settings) -> None:
    """A real arq worker in burst mode: it runs jobs until the queue is empty, then returns."""
    assert settings.database_url and settings.redis_url
    worker = build_worker(
        settings, settings.database_url, settings.redis_url, burst=True, handle_signals=False
    )
    try:
        await worker.async_run()
    finally:
        await worker.close()
