"""Run a real arq worker in the test's event loop."""

from core.settings import Settings
from jobs.worker import build_worker


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
