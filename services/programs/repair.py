"""Repair a damaged program: find every session that is not really generated and queue it again.

A session needs repair when it is PENDING, IN_PROGRESS (its job may be long gone), FAILED (unless
failures are to be left alone), or COMPLETE with no exercises at all. A COMPLETE session with
exercises is never touched.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import SESSION_CALENDAR_ORDER, GenerationStatus, Session, SessionExercise
from services.programs.reads import get_program
from services.programs.regeneration import reset_to_pending
from services.unit_of_work import UnitOfWork


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
            .order_by(*SESSION_CALENDAR_ORDER)
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


async def apply_repair(uow: UnitOfWork, plan: RepairPlan) -> list[Session]:
    """Reset the sessions to repair to PENDING and queue them; returns them in calendar order.

    This includes a COMPLETE session with no exercises: it is damaged, not complete.
    """
    rows = await uow.db.scalars(
        select(Session).where(Session.id.in_(plan.to_enqueue)).order_by(Session.id).with_for_update()
    )
    by_id = {session.id: session for session in rows.all()}
    sessions = [by_id[session_id] for session_id in plan.to_enqueue if session_id in by_id]
    reset_to_pending(uow, sessions)
    return sessions


async def repair_program(
    uow: UnitOfWork, program_id: int, *, include_failed: bool = True
) -> tuple[RepairPlan, list[Session]]:
    """Find what is not generated in the program, reset it and queue it, in one transaction."""
    plan = await plan_repair(uow.db, program_id, include_failed=include_failed)
    return plan, await apply_repair(uow, plan)
