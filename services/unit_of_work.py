"""A unit of work: one transaction, the status events it records, and what runs after it commits.

Use cases (create, regenerate, repair, the generator's steps) take a ``UnitOfWork``: they change
rows through ``uow.db`` (flushing, never committing), ``record`` each status change and ``enqueue``
the sessions to generate. On a clean exit the unit appends the recorded changes to the status log
(the last statement, see ``services.live.status_log``) and commits; only then does it wake the relay
and hand the sessions to the job queue. On an exception it rolls back and does neither.

What runs after the commit may fail (Redis down) without losing anything: the events are in
PostgreSQL and any relay delivers them later; the sessions are PENDING in PostgreSQL and the
reconciler enqueues every unfinished session that has no job.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.adapters.outages import Outage
from services.live.status_log import StatusChange, StatusEvent, append_events

log = logging.getLogger(__name__)


class EventRelay(Protocol):
    """Told after a commit that events are waiting to be delivered."""

    def wake(self) -> None: ...


class JobQueue(Protocol):
    """Where sessions go to be generated (arq, in ``core.job_queue``)."""

    async def enqueue_generation(self, session_ids: Sequence[int]) -> object: ...


class UnitOfWork:
    def __init__(self, wiring: "UnitOfWorkFactory") -> None:
        self._wiring = wiring
        self._changes: list[StatusChange] = []
        self._jobs: list[int] = []
        self.events: list[StatusEvent] = []
        self._db: AsyncSession | None = None

    @property
    def db(self) -> AsyncSession:
        if self._db is None:
            raise RuntimeError("use the unit of work inside `async with`")
        return self._db

    def record(self, change: StatusChange) -> None:
        """Append this change to the status log in this transaction (at commit)."""
        self._changes.append(change)

    def enqueue(self, session_ids: Iterable[int]) -> None:
        """Queue these sessions for generation once the transaction has committed."""
        self._jobs.extend(session_ids)

    async def __aenter__(self) -> Self:
        self._db = self._wiring.session_factory()
        await self._db.begin()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        db = self.db
        try:
            if exc_type is not None:
                await db.rollback()
                return
            await db.flush()
            if self._changes:
                self.events = await append_events(db, self._changes)
            await db.commit()
        finally:
            await db.close()
        await self._after_commit()

    async def _after_commit(self) -> None:
        wiring = self._wiring
        wiring.counts.events_written += len(self.events)
        if self.events and wiring.relay is not None:
            wiring.relay.wake()
        if not self._jobs or wiring.queue is None:
            return
        try:
            await wiring.queue.enqueue_generation(self._jobs)
        except Exception as exc:
            # Committed: the sessions are PENDING and the reconciler enqueues them once the queue
            # answers again. Failing the caller now would report a change that did happen as failed.
            if wiring.queue_outage is not None:
                wiring.queue_outage.failed(exc)
            else:
                log.warning("could not enqueue %d sessions; the reconciler will: %r", len(self._jobs), exc)
        else:
            if wiring.queue_outage is not None:
                wiring.queue_outage.recovered()


@dataclass
class UnitCounts:
    """What this process's units of work did since it started (read by ``/metrics``)."""

    events_written: int = 0


@dataclass(frozen=True)
class UnitOfWorkFactory:
    """Builds units of work sharing one process's database, relay and job queue (either may be
    absent: their effects are then left to other processes' relays and to the reconciler)."""

    session_factory: async_sessionmaker[AsyncSession]
    relay: EventRelay | None = None
    queue: JobQueue | None = None
    queue_outage: Outage | None = None
    counts: UnitCounts = field(default_factory=UnitCounts, compare=False)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self)
