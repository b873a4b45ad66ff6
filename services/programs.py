"""Programs: creation with every microcycle and session laid out, and reads by id."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Equipment, Focus, GenerationStatus, Goal, Level, Microcycle, Program, Session, User
from services.errors import InvalidInput, ProgramNotFound, UserNotFound
from services.training_splits import phase_for, split_for
from services.unit_of_work import UnitOfWork

MIN_DAYS, MAX_DAYS = 1, 7
MIN_WEEKS, MAX_WEEKS = 1, 52
MIN_MINUTES, MAX_MINUTES = 15, 240
MAX_NAME_LENGTH = 200

# Training days spread over the week (0 = the start date's weekday) so rest days fall between.
DAY_OFFSETS: dict[int, tuple[int, ...]] = {
    1: (0,),
    2: (0, 3),
    3: (0, 2, 4),
    4: (0, 1, 3, 4),
    5: (0, 1, 2, 4, 5),
    6: (0, 1, 2, 3, 4, 5),
    7: (0, 1, 2, 3, 4, 5, 6),
}


@dataclass(frozen=True)
class ProgramSpec:
    owner_id: int
    name: str
    goal: Goal
    level: Level
    days_per_week: int
    weeks: int
    minutes_per_session: int
    equipment: frozenset[Equipment]
    start_date: dt.date


def validate_program_spec(spec: ProgramSpec) -> None:
    """Reject out-of-range input with the field it concerns, before anything is written."""
    checks = [
        ("name", 1 <= len(spec.name.strip()) <= MAX_NAME_LENGTH, f"1 to {MAX_NAME_LENGTH} characters"),
        ("daysPerWeek", MIN_DAYS <= spec.days_per_week <= MAX_DAYS, f"{MIN_DAYS} to {MAX_DAYS}"),
        ("weeks", MIN_WEEKS <= spec.weeks <= MAX_WEEKS, f"{MIN_WEEKS} to {MAX_WEEKS}"),
        (
            "minutesPerSession",
            MIN_MINUTES <= spec.minutes_per_session <= MAX_MINUTES,
            f"{MIN_MINUTES} to {MAX_MINUTES}",
        ),
    ]
    for field, ok, allowed in checks:
        if not ok:
            raise InvalidInput(f"{field} must be {allowed}", field=field)


async def create_program(uow: UnitOfWork, spec: ProgramSpec) -> Program:
    """Create the program with every session of every week PENDING, and queue them all for
    generation once the unit of work commits."""
    program, session_ids = await add_program(uow.db, spec)
    uow.enqueue(session_ids)
    return program


async def add_program(db: AsyncSession, spec: ProgramSpec) -> tuple[Program, list[int]]:
    """Write the program, all its microcycles and all their sessions (every one PENDING); return
    the program and its session ids in calendar order. Only flushes."""
    validate_program_spec(spec)
    if await db.get(User, spec.owner_id) is None:
        raise UserNotFound(spec.owner_id)
    program = Program(
        owner_id=spec.owner_id,
        name=spec.name.strip(),
        goal=spec.goal,
        level=spec.level,
        days_per_week=spec.days_per_week,
        weeks=spec.weeks,
        minutes_per_session=spec.minutes_per_session,
        equipment=sorted(e.value for e in spec.equipment),
        start_date=spec.start_date,
    )
    db.add(program)
    await db.flush()
    microcycles = [
        Microcycle(
            program_id=program.id,
            index=week,
            phase=phase_for(week, spec.weeks),
            is_active=week == 1,
        )
        for week in range(1, spec.weeks + 1)
    ]
    db.add_all(microcycles)
    await db.flush()
    focuses: Sequence[Focus] = split_for(spec.days_per_week)
    offsets = DAY_OFFSETS[spec.days_per_week]
    sessions = [
        Session(
            program_id=program.id,
            microcycle_id=microcycle.id,
            day_index=day,
            scheduled_date=spec.start_date + dt.timedelta(days=7 * (microcycle.index - 1) + offsets[day - 1]),
            focus=focus,
            generation_status=GenerationStatus.PENDING,
        )
        for microcycle in microcycles
        for day, focus in enumerate(focuses, start=1)
    ]
    db.add_all(sessions)
    await db.flush()
    return program, [session.id for session in sessions]


async def get_program(db: AsyncSession, program_id: int) -> Program:
    program = await db.get(Program, program_id)
    if program is None:
        raise ProgramNotFound(program_id)
    return program


async def program_session_ids(
    db: AsyncSession, program_id: int, statuses: Sequence[GenerationStatus] | None = None
) -> list[int]:
    """Ids of the program's sessions in calendar order, optionally only those in ``statuses``."""
    await get_program(db, program_id)
    query = (
        select(Session.id)
        .join(Microcycle, Microcycle.id == Session.microcycle_id)
        .where(Session.program_id == program_id)
        .order_by(Microcycle.index, Session.day_index)
    )
    if statuses is not None:
        query = query.where(Session.generation_status.in_(statuses))
    return list((await db.scalars(query)).all())
