"""Repair a damaged program: find every session that is not really generated and queue it again.

A session needs repair when it is PENDING, IN_PROGRESS (its job may be long gone), FAILED (unless
failures are to be left alone), or COMPLETE with no exercises at all. A COMPLETE session with
exercises is never touched.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import GenerationStatus, Session, SessionExercise
from services.programs import get_program
from services.regeneration import reset_to_pending
from services.status_changes import StatusChange


@dataclass(frozen=True)
class RepairPlan:
    program_id: int
    counts: dict[GenerationStatus, int]
    without_exercises: list[int]
    to_enqueue: list[int]
    failed_left_alone: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def healthy(self) -> bool:
        return not self.to_enqueue and not self.failed_left_alone


async def plan_repair(db: AsyncSession, program_id: int, *, include_failed: bool = True) -> RepairPlan:
    await get_program(db, program_id)
    exercise_count = (
        select(func.count())
        .where(SessionExercise.session_id == Session.id)
        .correlate(Session)
        .scalar_subquery()
    )
    rows = (
        await db.execute(
            select(Session.id, Session.generation_status, exercise_count)
            .where(Session.program_id == program_id)
            .order_by(Session.scheduled_date, Session.day_index, Session.id)
        )
    ).all()
    counts = {status: 0 for status in GenerationStatus}
    without, enqueue, left = [], [], []
    for session_id, status, exercises in rows:
        counts[status] += 1
        if exercises == 0:
            without.append(session_id)
        if status is GenerationStatus.FAILED and not include_failed:
            left.append(session_id)
        elif status is not GenerationStatus.COMPLETE or exercises == 0:
            enqueue.append(session_id)
    return RepairPlan(program_id, counts, without, enqueue, left)


async def apply_repair(db: AsyncSession, plan: RepairPlan) -> list[StatusChange]:
    """Reset the sessions to repair to PENDING (flush only); returns the changes to publish.

    This includes a COMPLETE session with no exercises: it is damaged, not complete.
    """
    sessions = list((await db.scalars(select(Session).where(Session.id.in_(plan.to_enqueue)))).all())
    return await reset_to_pending(db, sessions)
