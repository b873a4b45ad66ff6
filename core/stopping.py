"""Stopping a background loop without cutting the work in hand."""

import asyncio
import contextlib


async def finish_or_cancel(task: "asyncio.Task[None]", wait_s: float) -> None:
    """Wait up to ``wait_s`` for ``task`` to finish what it holds (the loop was told to stop), then
    cancel it. Cancelled inside a transaction, the driver's connection close is cut too and
    SQLAlchemy logs it at ERROR: hence the wait before the cut."""
    try:
        await asyncio.wait_for(asyncio.shield(task), wait_s)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
