"""The arq worker: functions, cron, and the clients its jobs share through ``ctx``."""

import asyncio
import contextlib
from typing import Any

from arq import Worker, cron, func
from arq.connections import RedisSettings

from core.database import create_engine, create_session_factory
from core.settings import Settings
from jobs.enqueue import GENERATE_SESSION
from jobs.generation import generate_session
from jobs.reconciler import reconcile
from services.movement_catalogue import load_catalogue
from services.status_events import StatusEventPublisher


async def on_startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    # Parse the catalogue once, off the event loop, before the first job needs it.
    await asyncio.to_thread(load_catalogue)
    ctx["engine"] = create_engine(ctx["database_url"], pool_size=max(2, settings.worker_max_jobs))
    ctx["session_factory"] = create_session_factory(ctx["engine"])
    ctx["publish_status"] = StatusEventPublisher(ctx["redis"], maxlen=settings.status_stream_maxlen)


async def on_shutdown(ctx: dict[str, Any]) -> None:
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()


def build_worker(
    settings: Settings, database_url: str, redis_url: str, *, burst: bool = False, handle_signals: bool = True
) -> Worker:
    """A worker for the generation queue. ``burst`` stops it once the queue is empty (tests)."""
    return Worker(
        functions=[
            func(
                generate_session,
                name=GENERATE_SESSION,
                keep_result=0,
                timeout=settings.job_timeout_s,
                # Our task counts its own tries; this only stops a job whose worker dies every time.
                max_tries=settings.generation_max_tries + 3,
            )
        ],
        # No function may have a longer timeout than generation: arq keeps a dead worker's jobs
        # marked in progress for the longest timeout + 10 s, and the reconciler relies on that.
        cron_jobs=[
            cron(
                reconcile,
                name="reconcile",
                second={0},
                timeout=settings.job_timeout_s,
                run_at_startup=not burst,
            )
        ],
        redis_settings=RedisSettings.from_dsn(redis_url),
        burst=burst,
        handle_signals=handle_signals,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        max_jobs=settings.worker_max_jobs,
        job_timeout=settings.job_timeout_s,
        keep_result=0,
        poll_delay=settings.worker_poll_delay_s,
        ctx={"settings": settings, "database_url": database_url},
    )


async def stop_worker(worker: Worker, task: "asyncio.Task[None]", grace_s: float = 10.0) -> None:
    """Stop an in-process worker: stop polling, give running jobs ``grace_s`` to finish (a job
    cut short stays IN_PROGRESS and is re-run later), then close its connections."""
    if worker.main_task is not None:
        worker.main_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    running = [t for t in worker.tasks.values() if not t.done()]
    if running:
        _done, pending = await asyncio.wait(running, timeout=grace_s)
        for leftover in pending:
            leftover.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    await worker.close()
