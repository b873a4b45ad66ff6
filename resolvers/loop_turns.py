"""Give the event loop a turn while a large answer is being completed.

graphql-core completes every item of a list in a task of its own, and when a DataLoader batch
resolves, all the tasks waiting on it are ready together: asyncio runs its whole ready queue
before it polls sockets again, so completing the 312 sessions of a year-long program was one
loop iteration of about 250 ms in which nothing else was served (``/healthz`` waited for it).

Resolvers of list fields call ``pause()`` before returning. Their callers go on while the
current slice of ``SLICE_S`` lasts; after that they queue, and each later loop iteration (which
polls the sockets first) lets through as many as the last ones took to fill a slice, in order.
A queue rather than each task yielding and trying again: three hundred tasks retrying on every
iteration cost more than the slices they wait for.
"""

import asyncio
import time
from collections import deque
from weakref import WeakKeyDictionary

SLICE_S = 0.002


class _Turnstile:
    """The slices of one event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.slice_started = 0.0
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.release_scheduled = False
        self.released = 0  # let through by the last release

    async def pause(self) -> None:
        if not self.waiting and time.perf_counter() - self.slice_started < SLICE_S:
            return
        future = self.loop.create_future()
        self.waiting.append(future)
        if not self.release_scheduled:
            self.release_scheduled = True
            self.loop.call_soon(self.release)
        await future

    def release(self) -> None:
        """Open a slice and let through as many waiters as the last ones took to fill one."""
        now = time.perf_counter()
        if self.released:
            each = max((now - self.slice_started) / self.released, 1e-6)
            batch = max(1, int(SLICE_S / each))
        else:
            batch = 1
        self.slice_started = now
        self.released = 0
        while self.waiting and self.released < batch:
            future = self.waiting.popleft()
            if not future.done():  # a cancelled request's task left
                future.set_result(None)
                self.released += 1
        # Scheduled after the released tasks, so it runs once they have had their turn.
        self.release_scheduled = bool(self.waiting)
        if self.release_scheduled:
            self.loop.call_soon(self.release)


_turnstiles: WeakKeyDictionary[asyncio.AbstractEventLoop, _Turnstile] = WeakKeyDictionary()


async def pause() -> None:
    """Return at once while the current slice lasts; else wait for a turn in a later one."""
    loop = asyncio.get_running_loop()
    turnstile = _turnstiles.get(loop)
    if turnstile is None:
        turnstile = _turnstiles[loop] = _Turnstile(loop)
    await turnstile.pause()
