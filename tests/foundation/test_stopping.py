"""Stopping background tasks for certain (core/stopping.py), against the lost cancellation it is
written for: a loop around ``asyncio.wait_for`` on an inner step that completes at once, as
redis-py's socket writes do. On Python 3.11 one cancel of such a loop is often lost."""

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from core.stopping import cancel_and_wait
from tests.waiting import eventually

TRIES = 40


@dataclass
class Writer:
    """A loop of quick ``wait_for`` steps, as a Redis reader's is; ``rounds`` counts its steps."""

    rounds: int = 0

    async def run(self) -> None:
        while True:
            # an inner step that completes at once, as a socket write does (no wait for time)
            await asyncio.wait_for(asyncio.sleep(0), 5)
            self.rounds += 1


async def cancelled_at_a_varying_point(writer: Writer, turn: int) -> "asyncio.Task[None]":
    task = asyncio.create_task(writer.run())
    for _ in range(turn % 7):  # cancel at a different point of the step each time
        await asyncio.sleep(0)  # one loop turn, not a wait: where in the step the cancel lands
    return task


def ended_or_stepped_on(
    task: "asyncio.Task[None]", writer: Writer, rounds: int
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return task.done() or writer.rounds >= rounds

    return check


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="CPython gh-86296 is fixed from 3.12 on")
async def test_one_cancel_of_such_a_loop_can_be_lost_on_this_python() -> None:
    """The hazard is real here (otherwise the next test would prove nothing)."""
    lost = 0
    for turn in range(TRIES):
        writer = Writer()
        task = await cancelled_at_a_varying_point(writer, turn)
        task.cancel()
        await eventually(
            ended_or_stepped_on(task, writer, writer.rounds + 2),
            timeout=10,
            interval=0,
            what="the loop ends or steps on",
        )
        if not task.done():
            lost += 1
            await cancel_and_wait(task)
    assert lost > 0, f"no cancel of {TRIES} was lost"


async def test_cancel_and_wait_ends_the_loop_every_time() -> None:
    for turn in range(TRIES):
        task = await cancelled_at_a_varying_point(Writer(), turn)
        async with asyncio.timeout(10):
            await cancel_and_wait(task, again_s=0.005)
        assert task.cancelled()


async def test_cancel_and_wait_raises_what_the_task_raised_on_its_way_out() -> None:
    started = asyncio.Event()

    async def fails_when_cancelled() -> None:
        try:
            started.set()
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise ValueError("cleanup failed") from None

    task = asyncio.create_task(fails_when_cancelled())
    await started.wait()
    with pytest.raises(ValueError, match="cleanup failed"):
        await cancel_and_wait(task)


async def test_cancel_and_wait_on_a_finished_task_returns_at_once() -> None:
    async def returns() -> None:
        return None

    task = asyncio.create_task(returns())
    await task
    await cancel_and_wait(task)
    assert not task.cancelled()
