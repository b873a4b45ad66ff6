"""Fan status events out in memory, with one Redis reader per program per process.

However many subscribers watch a program, this process reads its stream once (a blocking
``XREAD`` loop) and copies each event into every listener's bounded queue. A listener that falls
more than ``queue_size`` events behind is dropped with ``ListenerDropped``; it never slows the
reader or the other listeners. Redis connections therefore grow with programs, not subscribers.
"""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from services.status_events import (
    StatusEvent,
    decode_event,
    events_after,
    latest_cursor,
    parse_cursor,
    stream_key,
)

log = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 1000
READ_BLOCK_MS = 1000


class ListenerDropped(Exception):
    """The listener fell too far behind; it should resubscribe with its last cursor."""


class _Listener:
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


class _ProgramReader:
    def __init__(self, redis: Redis, program_id: int) -> None:
        self.redis = redis
        self.program_id = program_id
        self.listeners: set[_Listener] = set()
        self.task: asyncio.Task[None] | None = None
        self.failure: str | None = None

    async def run(self, start: str) -> None:
        key = stream_key(self.program_id)
        last = start
        try:
            while True:
                response = await self.redis.xread({key: last}, block=READ_BLOCK_MS, count=500)
                for _stream, entries in response or []:
                    for entry_id, fields in entries:
                        event = decode_event(entry_id, fields)
                        last = event.cursor
                        for listener in list(self.listeners):
                            listener.offer(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # Redis gone: every listener learns why and may resubscribe
            log.error("status reader for program %d failed", self.program_id, exc_info=True)
            self.failure = f"status stream unavailable: {type(exc).__name__}: {exc}"
            for listener in list(self.listeners):
                listener.dropped = self.failure
                listener.wakeup.set()


class StatusHub:
    """One per process. ``listen`` yields a program's events, optionally resuming after a cursor."""

    def __init__(self, redis: Redis, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._redis = redis
        self._queue_size = queue_size
        self._readers: dict[int, _ProgramReader] = {}
        self._lock = asyncio.Lock()

    @property
    def reader_count(self) -> int:
        return sum(1 for r in self._readers.values() if r.task is not None and not r.task.done())

    async def _join(self, program_id: int, listener: _Listener) -> None:
        async with self._lock:
            reader = self._readers.get(program_id)
            if reader is None or reader.failure is not None:
                reader = _ProgramReader(self._redis, program_id)
                start = await latest_cursor(self._redis, program_id)
                reader.task = asyncio.create_task(reader.run(start), name=f"status-reader-{program_id}")
                self._readers[program_id] = reader
            reader.listeners.add(listener)

    async def _leave(self, program_id: int, listener: _Listener) -> None:
        async with self._lock:
            reader = self._readers.get(program_id)
            if reader is None:
                return
            reader.listeners.discard(listener)
            if not reader.listeners:
                del self._readers[program_id]
                if reader.task is not None:
                    reader.task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await reader.task

    async def listen(self, program_id: int, after: str | None = None) -> AsyncIterator[StatusEvent]:
        """Yield events after ``after`` (or from now), oldest first, never one twice.

        The listener joins the live fan-out before it reads the backlog, so an event published
        in between is seen by one or both and deduplicated by cursor, never lost.
        """
        listener = _Listener(self._queue_size)
        await self._join(program_id, listener)
        try:
            last = (0, 0)
            if after is not None:
                last = parse_cursor(after)
                while True:
                    backlog = await events_after(self._redis, program_id, after)
                    for event in backlog:
                        last = event.position
                        yield event
                    if len(backlog) < 1000:
                        break
                    after = backlog[-1].cursor
            while True:
                while not listener.events and not listener.dropped:
                    listener.wakeup.clear()
                    await listener.wakeup.wait()
                if listener.dropped:
                    raise ListenerDropped(listener.dropped)
                event = listener.events.popleft()
                if event.position > last:
                    last = event.position
                    yield event
        finally:
            await self._leave(program_id, listener)

    async def close(self) -> None:
        async with self._lock:
            readers, self._readers = list(self._readers.values()), {}
        for reader in readers:
            if reader.task is not None:
                reader.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader.task
