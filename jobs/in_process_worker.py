"""An arq worker inside another process's event loop: ``worker_alongside`` (the embedded demo's
``serve``, ``SERVE_WORKER``, ``repair-program --with-worker``) and ``stop_worker`` (also the
tests' in-process workers). A worker process of its own is ``jobs.worker``'s, stopped by signals.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from core.settings import Settings
from core.stopping import finish_or_cancel
from jobs.generation import STOPPING
from jobs.worker import PollingStopped, SupervisedWorker, build_worker

ALONGSIDE_START_WAIT_S = 15
POLL_STOP_WAIT_S = 2.0  # a poll waits for a free job slot at most this long once told to stop


async def stop_worker(worker: SupervisedWorker, task: "asyncio.Task[None]", grace_s: float = 10.0) -> None:
    """Stop an in-process worker: stop polling (between two polls, or cut after
    ``POLL_STOP_WAIT_S`` when a poll waits for a free job slot), give running jobs ``grace_s`` to
    finish (a job cut short stays IN_PROGRESS and is re-run later), then close its connections."""
    worker.stop_polling()
    if worker.main_task is not None:
        with contextlib.suppress(PollingStopped):
            await finish_or_cancel(worker.main_task, POLL_STOP_WAIT_S)
    with contextlib.suppress(asyncio.CancelledError, PollingStopped):
        await task
    running = [t for t in worker.tasks.values() if not t.done()]
    if running:
        _done, pending = await asyncio.wait(running, timeout=grace_s)
        worker.ctx[STOPPING].set()  # only now: a job cut by its own timeout in the grace is retried
        for leftover in pending:
            leftover.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    await worker.close()


@contextlib.asynccontextmanager
async def worker_alongside(settings: Settings, database_url: str, redis_url: str) -> AsyncIterator[None]:
    """One arq worker in the calling process for as long as the block runs (the embedded demo
    serves and generates in one process), entered once its start-up is done (at most
    ``ALONGSIDE_START_WAIT_S``: ``serve`` prints its banner after the worker's "ready" line);
    stopped with the worker's grace on the way out."""
    worker = build_worker(settings, database_url, redis_url, handle_signals=False)
    ready = asyncio.Event()
    on_startup = worker.on_startup

    async def started(ctx: dict[str, Any]) -> None:
        if on_startup is not None:
            await on_startup(ctx)
        ready.set()

    worker.on_startup = started
    task = asyncio.create_task(worker.async_run(), name="arq-worker")
    waiting = asyncio.create_task(ready.wait())
    # A worker that cannot start (Redis away for good) ends its task: go on without waiting.
    await asyncio.wait([task, waiting], timeout=ALONGSIDE_START_WAIT_S, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    try:
        yield
    finally:
        await stop_worker(worker, task, settings.worker_shutdown_grace_s)
