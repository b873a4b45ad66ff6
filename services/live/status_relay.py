"""The relay: delivers committed status events from PostgreSQL to the Redis stream, at least once.

Every process that writes events or serves watchers runs one (API, worker, CLI). It is woken
right after a local commit (``wake``), and sweeps every ``sweep_s`` anyway, so an event whose
writer died between its commit and its wake-up is still delivered by some relay within a sweep.
A batch is claimed with ``FOR UPDATE SKIP LOCKED``, appended in order (``StatusStream.append``)
and marked relayed in the same transaction: if anything fails the marks roll back and the
batch is tried again; Redis may then hold an event twice, which readers drop by sequence.
"""

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.stopping import finish_or_cancel
from services.adapters.outages import Backoff, Outages
from services.adapters.redis_status_stream import StatusStream
from services.adapters.transient_errors import is_redis_error, is_transient
from services.live.status_log import claim_unrelayed, mark_relayed

log = logging.getLogger(__name__)

BATCH = 500
STOP_WAIT_S = 2.0


class StatusRelay:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        stream: StatusStream,
        outages: Outages,
        *,
        sweep_s: float = 0.5,
    ) -> None:
        self._factory = session_factory
        self._stream = stream
        self._outages = outages
        self._sweep_s = sweep_s
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.relayed = 0

    def wake(self) -> None:
        self._wakeup.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="status-relay")

    async def stop(self) -> None:
        """Stop the loop once the batch in hand is delivered (it is cut only after ``STOP_WAIT_S``:
        cancelled inside a transaction, the driver's connection close is cut too, an ERROR), then
        make one last attempt to deliver what is waiting (bounded)."""
        if self._task is None:
            return
        self._stopping = True
        self._wakeup.set()
        await finish_or_cancel(self._task, STOP_WAIT_S)
        self._task = None
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2):
                await self.relay_once()

    async def relay_once(self) -> tuple[int, int]:
        """Deliver one batch; returns how many events were claimed and how many reached the stream
        (fewer when an earlier event of a program is still with another relay)."""
        async with self._factory() as db, db.begin():
            events = await claim_unrelayed(db, limit=BATCH)
            if not events:
                return 0, 0
            heads = await self._stream.append(events)
            done = [(e.program_id, e.seq) for e in events if e.seq <= heads[e.program_id]]
            await mark_relayed(db, done)
        self.relayed += len(done)
        return len(events), len(done)

    async def _run(self) -> None:
        backoff = Backoff()
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._sweep_s):
                    await self._wakeup.wait()
            self._wakeup.clear()
            if self._stopping:
                return
            try:
                claimed, delivered = await self.relay_once()
                while claimed == BATCH and delivered and not self._stopping:
                    claimed, delivered = await self.relay_once()
            except Exception as exc:
                if is_redis_error(exc):
                    self._outages.redis.failed(exc)
                elif is_transient(exc):
                    self._outages.database.failed(exc)
                else:
                    log.error("status relay failed", exc_info=True)
                await asyncio.sleep(backoff.next())
                continue
            backoff.reset()
            self._outages.database.recovered()
            if claimed:
                self._outages.redis.recovered()
