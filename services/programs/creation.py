"""Create a program with every microcycle and session laid out, in three statements."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from models import Equipment, Focus, Goal, Level, Program, User
from services.errors import InvalidInput, UserNotFound
from services.generation.training_splits import phase_for, split_for
from services.text_input import storable_text
from services.unit_of_work import UnitOfWork

MIN_DAYS, MAX_DAYS = 1, 7
MIN_WEEKS, MAX_WEEKS = 1, 52
MIN_MINUTES, MAX_MINUTES = 15, 240
MAX_NAME_LENGTH = 200
START_DATE_YEARS = 5
"""A start date more than this many years before or after today is refused."""

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


# One statement each for a program's weeks and for its days (312 rows for a year of 6 days):
# the ORM's flush of as many objects cost more than the rest of createProgram together.
_INSERT_MICROCYCLES = text(
    """
    INSERT INTO microcycles (program_id, index, phase, is_active)
    SELECT :program_id, w.index, w.phase, w.index = 1
    FROM unnest(CAST(:indexes AS integer[]), CAST(:phases AS text[])) AS w(index, phase)
    RETURNING index, id
    """
)
_INSERT_SESSIONS = text(
    """
    INSERT INTO sessions (program_id, microcycle_id, day_index, scheduled_date, focus, generation_status)
    SELECT :program_id, d.microcycle_id, d.day_index, d.scheduled_date, d.focus, 'PENDING'
    FROM unnest(
        CAST(:microcycle_ids AS bigint[]), CAST(:day_indexes AS integer[]),
        CAST(:dates AS date[]), CAST(:focuses AS text[])
    ) AS d(microcycle_id, day_index, scheduled_date, focus)
    RETURNING id, microcycle_id, day_index
    """
)


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


def start_date_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last start date accepted on ``today``."""
    return _years_from(today, -START_DATE_YEARS), _years_from(today, START_DATE_YEARS)


def _years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def validate_program_spec(spec: ProgramSpec) -> None:
    """Reject out-of-range input with the field it concerns, before anything is written."""
    storable_text(spec.name, "name")
    earliest, latest = start_date_range(dt.date.today())
    checks = [
        ("name", 1 <= len(spec.name.strip()) <= MAX_NAME_LENGTH, f"1 to {MAX_NAME_LENGTH} characters"),
        ("daysPerWeek", MIN_DAYS <= spec.days_per_week <= MAX_DAYS, f"{MIN_DAYS} to {MAX_DAYS}"),
        ("weeks", MIN_WEEKS <= spec.weeks <= MAX_WEEKS, f"{MIN_WEEKS} to {MAX_WEEKS}"),
        (
            "minutesPerSession",
            MIN_MINUTES <= spec.minutes_per_session <= MAX_MINUTES,
            f"{MIN_MINUTES} to {MAX_MINUTES}",
        ),
        (
            "startDate",
            earliest <= spec.start_date <= latest,
            f"{earliest} to {latest} (within {START_DATE_YEARS} years of today)",
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
    weeks = range(1, spec.weeks + 1)
    microcycle_ids: dict[int, int] = dict(
        (
            await db.execute(
                _INSERT_MICROCYCLES,
                {
                    "program_id": program.id,
                    "indexes": list(weeks),
                    "phases": [phase_for(week, spec.weeks).value for week in weeks],
                },
            )
        ).all()
    )
    focuses: Sequence[Focus] = split_for(spec.days_per_week)
    offsets = DAY_OFFSETS[spec.days_per_week]
    days = [(week, day, focus) for week in weeks for day, focus in enumerate(focuses, start=1)]
    start = spec.start_date
    rows = await db.execute(
        _INSERT_SESSIONS,
        {
            "program_id": program.id,
            "microcycle_ids": [microcycle_ids[week] for week, _, _ in days],
            "day_indexes": [day for _, day, _ in days],
            "dates": [start + dt.timedelta(7 * (week - 1) + offsets[day - 1]) for week, day, _ in days],
            "focuses": [focus.value for _, _, focus in days],
        },
    )
    session_ids = {(microcycle_id, day): session_id for session_id, microcycle_id, day in rows.all()}
    return program, [session_ids[microcycle_ids[week], day] for week, day, _ in days]
