"""Give the event loop a turn while a large answer is being completed, batching loads as before.

graphql-core completes every item of a list in a task of its own, and when a DataLoader batch
resolves, all the tasks waiting on it are ready together: asyncio runs its whole ready queue
before it polls sockets again, so completing the 312 sessions of a year-long program was one
loop iteration of about 200 ms in which nothing else was served (``/healthz`` waited for it).

Resolvers of list fields call ``pause()`` before returning. Their callers go on while the
current slice of ``SLICE_S`` lasts; after that they queue, and each later loop iteration (which
polls the sockets first) lets through as many as the last ones took to fill a slice, in order.
(A queue rather than each task yielding and trying again: three hundred tasks retrying on every
iteration cost more than the slices they wait for.)

Tasks let through in different iterations would load in different DataLoader batches, and the
statement count of a view would grow with the program: ``TurnLoader`` dispatches a batch only
once no task of its request waits for a turn, so each relationship is still one statement.
"""

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TypeVar
from weakref import WeakKeyDictionary

from strawberry.dataloader import Batch, DataLoader, dispatch, should_create_new_batch

K = TypeVar("K")
T = TypeVar("T")

SLICE_S = 0.002


class _Turnstile:
    """The slices of one event loop; waiters are tagged with their request's loaders."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.slice_started = 0.0
        self.waiting: deque[tuple[asyncio.Future[None], Hashable]] = deque()
        self.waiting_by_tag: dict[Hashable, int] = {}
        self.on_idle: dict[Hashable, list[Callable[[], None]]] = {}
        self.release_scheduled = False
        self.released = 0  # let through by the last release

    async def pause(self, tag: Hashable) -> None:
        if not self.waiting and time.perf_counter() - self.slice_started < SLICE_S:
            return
        future = self.loop.create_future()
        self.waiting.append((future, tag))
        self.waiting_by_tag[tag] = self.waiting_by_tag.get(tag, 0) + 1
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
            future, tag = self.waiting.popleft()
            if not future.done():  # a cancelled request's task left
                future.set_result(None)
                self.released += 1
            # After the wake-up is scheduled: a load it makes still joins the batch.
            self._left(tag)
        # Scheduled after the released tasks, so it runs once they have had their turn.
        self.release_scheduled = bool(self.waiting)
        if self.release_scheduled:
            self.loop.call_soon(self.release)

    def _left(self, tag: Hashable) -> None:
        remaining = self.waiting_by_tag[tag] - 1
        if remaining:
            self.waiting_by_tag[tag] = remaining
            return
        del self.waiting_by_tag[tag]
        for callback in self.on_idle.pop(tag, ()):
            callback()

    def when_idle(self, tag: Hashable, callback: Callable[[], None]) -> None:
        """Call ``callback`` once no task tagged ``tag`` waits (now, if none does)."""
        if tag in self.waiting_by_tag:
            self.on_idle.setdefault(tag, []).append(callback)
        else:
            callback()


_turnstiles: WeakKeyDictionary[asyncio.AbstractEventLoop, _Turnstile] = WeakKeyDictionary()


def _turnstile(loop: asyncio.AbstractEventLoop) -> _Turnstile:
    turnstile = _turnstiles.get(loop)
    if turnstile is None:
        turnstile = _turnstiles[loop] = _Turnstile(loop)
    return turnstile


async def pause(tag: Hashable) -> None:
    """Return at once while the current slice lasts; else wait for a turn in a later one.
    ``tag``: the request's loaders (see ``TurnLoader``)."""
    await _turnstile(asyncio.get_running_loop()).pause(tag)


class TurnLoader(DataLoader[K, T]):
    """A DataLoader whose batch is dispatched once no task tagged ``tag`` waits for a turn
    (Strawberry's dispatches it on the next loop iteration, whoever is still to come)."""

    def __init__(
        self,
        load_fn: Callable[[list[K]], Awaitable[Sequence[T | BaseException]]],
        *,
        tag: Hashable,
        cache: bool = True,
    ) -> None:
        super().__init__(load_fn, cache=cache)
        self._tag = tag

    def load(self, key: K) -> asyncio.Future[T]:
        if self.cache:
            cached = self.cache_map.get(key)
            if cached and not cached.cancelled():
                return cached
        future: asyncio.Future[T] = self.loop.create_future()
        if self.cache:
            self.cache_map.set(key, future)
        batch = self.batch
        if batch is None or not batch.tasks or should_create_new_batch(self, batch):
            batch = self.batch = Batch()
            # Next iteration, as Strawberry would, then only once the request's waiters are through.
            self.loop.call_soon(self._dispatch_when_idle, batch)
        batch.add_task(key, future)
        return future

    def _dispatch_when_idle(self, batch: Batch[K, T]) -> None:
        _turnstile(self.loop).when_idle(self._tag, lambda: dispatch(self, batch))
