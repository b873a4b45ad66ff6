"""Run a real arq worker in the test's event loop; queue a program's sessions as creation does."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.job_queue import ArqJobQueue
from core.settings import Settings
from jobs.worker import build_worker
from models import GenerationStatus
from services.programs.reads import program_session_ids


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


async def enqueue_pending_program_sessions(
    queue: ArqJobQueue, factory: async_sessionmaker[AsyncSession], program_id: int
) -> list[int]:
    """Queue every PENDING session of the program; returns the ids newly queued."""
    async with factory() as db:
        return await queue.enqueue_generation(
            await program_session_ids(db, program_id, [GenerationStatus.PENDING])
        )
