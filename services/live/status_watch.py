"""One watcher of one program: where it starts, then every later event exactly once, in order.

``watch_program(hub, factory, program_id, after)`` yields a ``Watch``:
- with no cursor, or one the log cannot serve completely (older than its retention, newer than
  its head, or from before the log existed), ``watch.snapshot`` holds every session's state now,
  taken from the program's view in memory, and iteration goes on from its sequence number;
- otherwise ``watch.snapshot`` is None and iteration replays the events after the cursor (from
  the view's recent events when they reach back that far, else from the log in PostgreSQL), then
  goes on live: a resume is exact, or it is a snapshot the client can tell.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.live.program_view import ProgramView
from services.live.status_hub import Listener, StatusHub
from services.live.status_log import ProgramSnapshot, StatusEvent, events_after

REPLAY_PAGE = 500


class Watch:
    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        listener: Listener,
        program_id: int,
    ) -> None:
        self._factory = factory
        self._listener = listener
        self.program_id = program_id
        self.snapshot: ProgramSnapshot | None = None
        self.last = 0
        self._replay: list[StatusEvent] = []

    async def _start(self, view: ProgramView, after: int | None) -> None:
        """Where to start: read from the view before any await, so that the events the listener
        gets from now on are exactly those after it."""
        if after is not None and after <= view.seq:
            recent = view.events_after(after)
            if recent is not None:
                self.last, self._replay = after, recent
                return
            async with self._factory() as db:
                page = await events_after(db, self.program_id, after, limit=REPLAY_PAGE)
            if page and page[0].seq == after + 1:
                self.last, self._replay = after, page
                return
        self.snapshot = view.snapshot()
        self.last = self.snapshot.seq

    async def _replayed(self) -> AsyncIterator[StatusEvent]:
        page = self._replay
        while page:
            for event in page:
                if event.seq == self.last + 1:
                    self.last = event.seq
                    yield event
            if len(page) < REPLAY_PAGE:  # the last page (or the recent events in memory: all of them)
                break
            async with self._factory() as db:
                page = await events_after(db, self.program_id, self.last, limit=REPLAY_PAGE)
        self._replay = []

    async def __aiter__(self) -> AsyncIterator[StatusEvent]:
        """Events after the start, each once, in sequence order. Raises ``ListenerDropped``."""
        async for event in self._replayed():
            yield event
        while True:
            event = await self._listener.next()
            if event.seq <= self.last:
                continue
            if event.seq > self.last + 1:  # never expected: the feed passes events on in order
                async with self._factory() as db:
                    missing = await events_after(
                        db, self.program_id, self.last, limit=event.seq - self.last - 1
                    )
                for earlier in missing:
                    if earlier.seq == self.last + 1:
                        self.last = earlier.seq
                        yield earlier
            self.last = event.seq
            yield event


@asynccontextmanager
async def watch_program(
    hub: StatusHub, factory: async_sessionmaker[AsyncSession], program_id: int, after: int | None
) -> AsyncIterator[Watch]:
    """Watch ``program_id`` from ``after`` (a sequence number; None for a snapshot)."""
    listener = Listener(hub.queue_size)
    feed = await hub.join(program_id, listener)
    try:
        watch = Watch(factory, listener, program_id)
        assert feed.view is not None
        await watch._start(feed.view, after)
        yield watch
    finally:
        hub.leave(feed, listener)
