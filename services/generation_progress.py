"""A program's generation state read from PostgreSQL: per session, and counted per status."""

import datetime as dt
from dataclasses import dataclass, field

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import GenerationStatus, Microcycle, Session
from services.programs import get_program
from services.status_events import StatusEvent, latest_cursor

UNFINISHED = (GenerationStatus.PENDING, GenerationStatus.IN_PROGRESS)


@dataclass(frozen=True)
class GenerationProgress:
    counts: dict[GenerationStatus, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, status: GenerationStatus) -> int:
        return self.counts.get(status, 0)

    @property
    def percent_complete(self) -> float:
        return 100.0 * self.count(GenerationStatus.COMPLETE) / self.total if self.total else 100.0

    @property
    def finished(self) -> bool:
        """Nothing pending or in progress (every session COMPLETE or FAILED)."""
        return all(self.count(s) == 0 for s in UNFINISHED)

    def apply(self, before: GenerationStatus | None, after: GenerationStatus) -> "GenerationProgress":
        counts = dict(self.counts)
        if before is not None:
            counts[before] = counts.get(before, 0) - 1
        counts[after] = counts.get(after, 0) + 1
        return GenerationProgress(counts)


async def generation_progress(db: AsyncSession, program_id: int) -> GenerationProgress:
    await get_program(db, program_id)
    rows = await db.execute(
        select(Session.generation_status, func.count())
        .where(Session.program_id == program_id)
        .group_by(Session.generation_status)
    )
    counts = {status: 0 for status in GenerationStatus}
    counts.update({status: n for status, n in rows.all()})
    return GenerationProgress(counts)


async def current_state(db: AsyncSession, redis: Redis, program_id: int) -> tuple[str, list[StatusEvent]]:
    """Every session's status now, as events carrying the program's cursor at this moment.

    The cursor is read before the rows: every change published after it is also delivered to a
    subscriber resuming from it, so nothing falls between the snapshot and the stream.
    """
    cursor = await latest_cursor(redis, program_id)
    await get_program(db, program_id)
    rows = await db.execute(
        select(
            Session.id,
            Session.generation_status,
            Session.generation_error,
            Session.generation_attempts,
            Session.updated_at,
        )
        .join(Microcycle, Microcycle.id == Session.microcycle_id)
        .where(Session.program_id == program_id)
        .order_by(Microcycle.index, Session.day_index)
    )
    events = [
        StatusEvent(
            program_id, session_id, status, error, attempts, updated_at or dt.datetime.now(dt.UTC), cursor
        )
        for session_id, status, error, attempts, updated_at in rows.all()
    ]
    return cursor, events
