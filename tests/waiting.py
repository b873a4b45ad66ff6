"""Waiting on conditions with deadlines: the suite must pass on a busy machine, so no test sleeps
a fixed time hoping something happened."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T | None]],
    *,
    timeout: float,
    interval: float = 0.1,
    what: str = "condition",
) -> T:
    """Call ``check`` until it returns something truthy; return that. AssertionError after
    ``timeout`` seconds, with the last value seen."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while True:
        last = await check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached in {timeout} s; last seen: {last!r}")
        await asyncio.sleep(interval)
