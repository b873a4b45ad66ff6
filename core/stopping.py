"""Stopping background tasks: without cutting the work in hand, and for certain.

On Python 3.11 a cancellation can be lost: ``asyncio.wait_for`` returns the inner result when it
completed in the same loop turn as the cancel, and the task runs on as if never cancelled
(CPython gh-86296, fixed in 3.12). redis-py wraps every socket write in ``wait_for``, so a loop
that reads Redis, cancelled once, may never end. Hence ``cancel_and_wait`` cancels until it does.
"""

import asyncio
import contextlib

CANCEL_AGAIN_S = 1.0
"""Long enough for a task's own clean-up after a cancel that did arrive: cancelled again within it,
the clean-up is cut too (redis-py's pipeline reset, say, which then keeps its connection)."""


async def cancel_and_wait(task: "asyncio.Task[object]", *, again_s: float = CANCEL_AGAIN_S) -> None:
    """Cancel ``task`` and return once it has ended, cancelling again every ``again_s`` while it
    has not (see the module docstring). Raises what the task raised, other than its cancellation."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=again_s)
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def finish_or_cancel(task: "asyncio.Task[None]", wait_s: float) -> None:
    """Wait up to ``wait_s`` for ``task`` to finish what it holds (the loop was told to stop), then
    cancel it. Cancelled inside a transaction, the driver's connection close is cut too and
    SQLAlchemy logs it at ERROR: hence the wait before the cut."""
    try:
        await asyncio.wait_for(asyncio.shield(task), wait_s)
    except TimeoutError:
        await cancel_and_wait(task)
