"""Putting ready messages on one watcher's socket, and closing it when the watcher does not read.

``web.live_groups`` hands each member the messages it has rendered once for the whole group.
Where the server offers a direct write (``web.websocket_protocol``), one ``Flusher`` per process
writes every member's waiting messages once per loop iteration, each member's in one write;
otherwise each member has a sender task awaiting ASGI's send per message. A member with more than
``max_unsent_bytes`` waiting has its socket closed with 4413, without slowing anyone else.
"""

import asyncio
import logging
from collections import deque

from web.live_operation import LiveOperation

log = logging.getLogger(__name__)

SLOW_CONSUMER = 4413


class Flusher:
    """Writes what waits for each member that has something, once per loop iteration.

    With the server's direct write (``LiveOperation.write_texts``) a member needs no task of its
    own: waking a thousand sender tasks per event cost more than the writes. A member with
    messages marks itself here; at the next iteration each marked member's messages go out in
    one write, in the order they came.
    """

    def __init__(self) -> None:
        self._marked: dict[Member, None] = {}  # insertion-ordered set

    def mark(self, member: "Member") -> None:
        if not self._marked:
            asyncio.get_running_loop().call_soon(self._flush)
        self._marked[member] = None

    def _flush(self) -> None:
        marked, self._marked = self._marked, {}
        for member in marked:
            member.write_waiting()


class Member:
    """One subscriber: its socket's operation and the messages waiting to be written to it.

    Where the server offers a direct write, the ``flusher`` writes a member's messages at the next
    loop iteration, all in one write; while the socket's transport is paused (the client reads
    slowly) a task of the member's waits for it. Otherwise a sender task awaits ASGI's send for
    each message. More than ``max_unsent_bytes`` waiting closes the socket with 4413.
    """

    def __init__(self, op: LiveOperation, last: int, max_unsent_bytes: int, flusher: Flusher) -> None:
        self.op = op
        self.last = last  # the last sequence number it was given (or starts after)
        self._limit = max_unsent_bytes
        self._flusher = flusher
        self._queue: deque[str] = deque()
        self._unsent = 0
        self._wakeup = asyncio.Event()
        self._closing = False
        self._started = False
        self.done = asyncio.Event()
        self.dropped: str | None = None
        self._sender: asyncio.Task[None] | None = None

    def push(self, text: str) -> None:
        if self.done.is_set():
            return
        self._queue.append(text)
        self._unsent += len(text)
        if self._unsent > self._limit:
            self._slow()
            return
        self._kick()

    def start(self, first: list[str]) -> None:
        """Send ``first``, then what was pushed meanwhile, then what is pushed."""
        for text in reversed(first):
            self._queue.appendleft(text)
            self._unsent += len(text)
        self._started = True
        if self.op.write_texts is None:
            self._sender = asyncio.create_task(self._send(), name=f"live-sender-{self.op.operation_id}")
        self._kick()

    def end_when_sent(self) -> None:
        self._closing = True
        self._kick()

    def end(self, dropped: str | None = None) -> None:
        self.dropped = self.dropped or dropped
        self.done.set()
        if self._sender is not None and self._sender is not asyncio.current_task():
            self._sender.cancel()

    def _kick(self) -> None:
        if not self._started:
            return
        if self.op.write_texts is None or self._sender is not None:
            self._wakeup.set()  # the task sends
        else:
            self._flusher.mark(self)

    def write_waiting(self) -> None:
        """Write what waits now, in one write (the flusher calls this)."""
        if self.done.is_set() or self._sender is not None:
            return
        assert self.op.write_texts is not None
        if self._queue:
            texts = list(self._queue)
            try:
                written = self.op.write_texts(texts)
            except Exception:  # the socket went away: nothing more to send to it
                self.end()
                return
            if not written:  # paused: a task waits until the socket drains
                self._sender = asyncio.create_task(self._drain(), name=f"live-drain-{self.op.operation_id}")
                return
            self._queue.clear()
            self._unsent = 0
        if self._closing:
            self.end()

    async def _drain(self) -> None:
        """Send what waits through the server's waiting send, then hand back to the flusher."""
        assert self.op.send_texts is not None
        try:
            while self._queue:
                texts = list(self._queue)
                self._queue.clear()
                self._unsent = 0
                await self.op.send_texts(texts)
        except Exception:  # the socket went away: nothing more to send to it
            self.end()
            return
        self._sender = None
        if self._closing:
            self.end()

    def _slow(self) -> None:
        reason = f"not reading: over {self._limit} bytes waiting to be sent"
        log.info("closing a watcher's socket (%s)", reason)
        self._queue.clear()
        self._unsent = 0
        self.end()
        task = asyncio.ensure_future(self.op.close(SLOW_CONSUMER, reason))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _send(self) -> None:
        while True:
            while not self._queue:
                if self._closing:
                    self.end()
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
            text = self._queue.popleft()
            self._unsent -= len(text)
            try:
                await self.op.send_text(text)
            except Exception:  # the socket went away: nothing more to send to it
                self.end()
                return
