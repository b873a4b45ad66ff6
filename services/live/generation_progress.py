"""A program's generation state: counted per status, from PostgreSQL or kept current by events."""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import GenerationStatus, Session
from services.live.status_log import ProgramSnapshot, StatusEvent
from services.programs.reads import get_program

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


class ProgressTracker:
    """Progress kept current by applying a program's events to its snapshot (no database reads)."""

    def __init__(self, snapshot: ProgramSnapshot) -> None:
        self._statuses = {event.session_id: event.status for event in snapshot.sessions}
        self._counts = {status: 0 for status in GenerationStatus}
        for status in self._statuses.values():
            self._counts[status] += 1
        self.progress = GenerationProgress(dict(self._counts))

    def apply(self, event: StatusEvent) -> None:
        before = self._statuses.get(event.session_id)
        if before is not None:
            self._counts[before] -= 1
        self._counts[event.status] += 1
        self._statuses[event.session_id] = event.status
        self.progress = GenerationProgress(dict(self._counts))


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
