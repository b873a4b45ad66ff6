"""Fan status events out to every watcher in this process, each event once and in order.

One reader task follows the Redis stream for the whole process (one connection, however many
programs and watchers). Each watched program has a feed that knows the last sequence number it
passed on; it drops events it has seen and, when one arrives ahead of the next expected number,
fetches the missing ones from the PostgreSQL log before going on. A poll of the log every
``poll_s`` (faster while Redis is unreachable) delivers anything Redis never carried: an event
whose relay was cut off, or one Redis lost in a restart. So what a watcher sees follows the log in
PostgreSQL, whatever happens to Redis, the relays or the writers.

Each feed keeps the program's view (``services.live.program_view``), read from PostgreSQL once per
program and process. Each watcher has a bounded queue; one that falls ``queue_size`` events
behind is dropped with ``ListenerDropped`` (it resubscribes with its cursor) and never slows the
others.
"""

import asyncio
import contextlib
import logging
from collections import deque

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.stopping import cancel_and_wait
from services.adapters.outages import Backoff, Outages
from services.adapters.redis_status_stream import StatusStream, decode_entry, entry_program
from services.adapters.transient_errors import is_transient
from services.live.program_view import ProgramView
from services.live.status_log import StatusEvent, events_after, events_after_each, program_snapshot

log = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 1000
FILL_PAGE = 1000


class ListenerDropped(Exception):
    """The watcher fell too far behind; it should resubscribe with its last cursor."""


class Listener:
    """One watcher's queue of live events."""

    def __init__(self, limit: int) -> None:
        self.events: deque[StatusEvent] = deque()
        self.limit = limit
        self.wakeup = asyncio.Event()
        self.dropped: str | None = None

    def offer(self, event: StatusEvent) -> None:
        if self.dropped:
            return
        if len(self.events) >= self.limit:
            self.dropped = f"fell more than {self.limit} events behind"
            self.events.clear()
        else:
            self.events.append(event)
        self.wakeup.set()

    async def next(self) -> StatusEvent:
        while not self.events and not self.dropped:
            self.wakeup.clear()
            await self.wakeup.wait()
        if self.dropped:
            raise ListenerDropped(self.dropped)
        return self.events.popleft()


class Feed:
    """One watched program in this process: keeps its view current and passes each of its
    events on once, in order."""

    def __init__(self, program_id: int) -> None:
        self.program_id = program_id
        self.view: ProgramView | None = None  # None until it was loaded
        self.listeners: set[Listener] = set()
        self.users = 0  # listeners, and watchers still joining
        self.lock = asyncio.Lock()
        self.early: list[StatusEvent] = []
        self.gap = False
        self.filling: asyncio.Task[None] | None = None

    @property
    def last(self) -> int | None:
        """The sequence number of the last event passed on (None until the view is loaded)."""
        return self.view.seq if self.view is not None else None

    def start(self, view: ProgramView) -> None:
        self.view = view
        early, self.early = sorted(self.early, key=lambda e: e.seq), []
        for event in early:
            self.receive(event)

    def receive(self, event: StatusEvent) -> bool:
        """Pass ``event`` on if it is the next one; False when events before it are missing."""
        view = self.view
        if view is None:
            self.early.append(event)
            return True
        if event.seq <= view.seq:
            return True
        if event.seq > view.seq + 1:
            self.gap = True
            return False
        view.apply(event)
        for listener in list(self.listeners):
            listener.offer(event)
        return True


class StatusHub:
    """One per process: the Redis reader, the feeds and the log poll."""

    def __init__(
        self,
        stream: StatusStream,
        session_factory: async_sessionmaker[AsyncSession],
        outages: Outages,
        *,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        poll_s: float = 2.0,
        outage_poll_s: float = 0.5,
        block_ms: int = 1000,
    ) -> None:
        self._stream = stream
        self._factory = session_factory
        self._outages = outages
        self.queue_size = queue_size
        self._poll_s = poll_s
        self._outage_poll_s = outage_poll_s
        self._block_ms = block_ms
        self._feeds: dict[int, Feed] = {}
        self._poll_now = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.views_loaded = 0  # programs' views read from PostgreSQL (one per program, not per watcher)

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._read_stream(), name="status-hub-reader"),
            asyncio.create_task(self._poll_log(), name="status-hub-poll"),
        ]

    async def close(self) -> None:
        tasks = self._tasks + [f.filling for f in self._feeds.values() if f.filling is not None]
        self._tasks = []
        await asyncio.gather(*(cancel_and_wait(task) for task in tasks))
        self._feeds.clear()

    @property
    def watched_programs(self) -> int:
        return len(self._feeds)

    async def join(self, program_id: int, listener: Listener) -> Feed:
        """Attach ``listener`` to the program's feed once the feed's view is loaded (the first
        watcher of a program in this process reads it from PostgreSQL; the others find it here).

        The listener gets every event after the view's sequence number at the moment it joined;
        whatever it starts from (the view, or the log read afterwards) is at or after that point,
        so together they miss nothing.
        """
        feed = self._feeds.setdefault(program_id, Feed(program_id))
        feed.users += 1
        try:
            async with feed.lock:
                if feed.view is None:
                    async with self._factory() as db:
                        feed.start(ProgramView(await program_snapshot(db, program_id)))
                    self.views_loaded += 1
                    self._fill_if_needed(feed)
        except BaseException:
            self.leave(feed, None)
            raise
        feed.listeners.add(listener)
        return feed

    def leave(self, feed: Feed, listener: Listener | None) -> None:
        if listener is not None:
            feed.listeners.discard(listener)
        feed.users -= 1
        if feed.users == 0 and self._feeds.get(feed.program_id) is feed:
            del self._feeds[feed.program_id]
            if feed.filling is not None:
                feed.filling.cancel()

    def _deliver(self, event: StatusEvent) -> None:
        feed = self._feeds.get(event.program_id)
        if feed is not None and not feed.receive(event):
            self._fill_if_needed(feed)

    def _fill_if_needed(self, feed: Feed) -> None:
        if feed.gap and (feed.filling is None or feed.filling.done()):
            feed.filling = asyncio.create_task(self._fill(feed), name=f"status-fill-{feed.program_id}")

    async def _fill(self, feed: Feed) -> None:
        """Read what the feed missed from the log, until it has caught up."""
        backoff = Backoff()
        while feed.gap and feed.last is not None:
            feed.gap = False
            try:
                async with self._factory() as db:
                    missing = await events_after(db, feed.program_id, feed.last, limit=FILL_PAGE)
            except Exception as exc:  # PostgreSQL away: the poll or the next try catches up
                self._database_failed(exc)
                feed.gap = True
                await asyncio.sleep(backoff.next())
                continue
            for event in missing:
                feed.receive(event)
            if len(missing) == FILL_PAGE:
                feed.gap = True

    async def _read_stream(self) -> None:
        backoff = Backoff()
        after_id: str | None = None
        while True:
            try:
                if after_id is None:  # (re)starting: anything before now comes from the log
                    after_id = await self._stream.last_entry_id()
                    self._poll_now.set()
                entries = await self._stream.read(after_id, block_ms=self._block_ms)
            except (RedisError, OSError) as exc:
                self._outages.redis.failed(exc)
                after_id = None
                self._poll_now.set()  # until Redis is back, the log is polled often
                await asyncio.sleep(backoff.next())
                continue
            backoff.reset()
            self._outages.redis.recovered()
            for entry_id, fields in entries:
                after_id = entry_id
                if entry_program(fields) in self._feeds:
                    self._deliver(decode_entry(fields))

    def _database_failed(self, exc: Exception) -> None:
        if is_transient(exc):
            self._outages.database.failed(exc)
        else:
            log.error("reading the status log failed", exc_info=exc)

    async def _poll_log(self) -> None:
        """Every feed catches up with the log in PostgreSQL, in one statement per round."""
        while True:
            interval = self._outage_poll_s if self._outages.redis.ongoing else self._poll_s
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._poll_now.wait()
            self._poll_now.clear()
            positions = {pid: feed.last for pid, feed in self._feeds.items() if feed.last is not None}
            if not positions:
                continue
            try:
                async with self._factory() as db:
                    events = await events_after_each(db, positions)
            except Exception as exc:
                self._database_failed(exc)
                continue
            self._outages.database.recovered()
            for event in events:
                self._deliver(event)
