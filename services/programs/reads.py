"""Reads of programs and sessions: one program by id (raises when missing), its session ids, and the
batched reads behind the API's DataLoaders (one query per relationship, results in key order)."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    SESSION_CALENDAR_ORDER,
    GenerationStatus,
    Microcycle,
    Movement,
    Program,
    Session,
    SessionExercise,
    User,
)
from services.access.ownership import visible_programs
from services.errors import ProgramNotFound

MAX_PAGE_SIZE = 100


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
    query = select(Session.id).where(Session.program_id == program_id).order_by(*SESSION_CALENDAR_ORDER)
    if statuses is not None:
        query = query.where(Session.generation_status.in_(statuses))
    return list((await db.scalars(query)).all())


async def programs_by_ids(db: AsyncSession, ids: Sequence[int]) -> list[Program | None]:
    rows = {p.id: p for p in (await db.scalars(select(Program).where(Program.id.in_(ids)))).all()}
    return [rows.get(i) for i in ids]


async def program_page(
    db: AsyncSession, user: User, first: int, before_id: int | None
) -> tuple[list[Program], bool]:
    """Newest first; ``before_id`` is the id of the last program of the previous page."""
    query = select(Program).where(visible_programs(user)).order_by(Program.id.desc()).limit(first + 1)
    if before_id is not None:
        query = query.where(Program.id < before_id)
    rows = list((await db.scalars(query)).all())
    return rows[:first], len(rows) > first


async def microcycles_by_program(db: AsyncSession, program_ids: Sequence[int]) -> list[list[Microcycle]]:
    grouped: dict[int, list[Microcycle]] = defaultdict(list)
    query = select(Microcycle).where(Microcycle.program_id.in_(program_ids)).order_by(Microcycle.index)
    for row in (await db.scalars(query)).all():
        grouped[row.program_id].append(row)
    return [grouped[i] for i in program_ids]


async def sessions_by_microcycle(db: AsyncSession, microcycle_ids: Sequence[int]) -> list[list[Session]]:
    grouped: dict[int, list[Session]] = defaultdict(list)
    query = select(Session).where(Session.microcycle_id.in_(microcycle_ids)).order_by(*SESSION_CALENDAR_ORDER)
    for row in (await db.scalars(query)).all():
        grouped[row.microcycle_id].append(row)
    return [grouped[i] for i in microcycle_ids]


async def sessions_by_program(
    db: AsyncSession, keys: Sequence[tuple[int, GenerationStatus | None]]
) -> list[list[Session]]:
    """Sessions per (program, optional status filter), in calendar order."""
    program_ids = sorted({program_id for program_id, _ in keys})
    grouped: dict[int, list[Session]] = defaultdict(list)
    query = select(Session).where(Session.program_id.in_(program_ids)).order_by(*SESSION_CALENDAR_ORDER)
    for row in (await db.scalars(query)).all():
        grouped[row.program_id].append(row)
    return [
        [s for s in grouped[program_id] if status is None or s.generation_status is status]
        for program_id, status in keys
    ]


EXERCISE_ROWS_PER_FETCH = 200
"""A year-long program has about 3,000 exercises: building them all in one go held the event
loop for about 100 ms. Fetched from a cursor in parts, each part is built between two awaits
(still one statement)."""


async def exercises_by_session(db: AsyncSession, session_ids: Sequence[int]) -> list[list[SessionExercise]]:
    grouped: dict[int, list[SessionExercise]] = defaultdict(list)
    query = (
        select(SessionExercise)
        .where(SessionExercise.session_id.in_(session_ids))
        .order_by(SessionExercise.session_id, SessionExercise.position)
        .execution_options(yield_per=EXERCISE_ROWS_PER_FETCH)
    )
    async for part in (await db.stream_scalars(query)).partitions():
        for row in part:
            grouped[row.session_id].append(row)
    return [grouped[i] for i in session_ids]


async def exercise_counts_by_session(db: AsyncSession, session_ids: Sequence[int]) -> list[int]:
    rows = await db.execute(
        select(SessionExercise.session_id, func.count())
        .where(SessionExercise.session_id.in_(session_ids))
        .group_by(SessionExercise.session_id)
    )
    counts: dict[int, int] = {session_id: n for session_id, n in rows.all()}
    return [counts.get(i, 0) for i in session_ids]


async def movements_by_ids(db: AsyncSession, ids: Sequence[int]) -> list[Movement | None]:
    rows = {m.id: m for m in (await db.scalars(select(Movement).where(Movement.id.in_(ids)))).all()}
    return [rows.get(i) for i in ids]


async def status_counts_by_program(
    db: AsyncSession, program_ids: Sequence[int]
) -> list[dict[GenerationStatus, int]]:
    rows = await db.execute(
        select(Session.program_id, Session.generation_status, func.count())
        .where(Session.program_id.in_(program_ids))
        .group_by(Session.program_id, Session.generation_status)
    )
    counts: dict[int, dict[GenerationStatus, int]] = {
        i: {s: 0 for s in GenerationStatus} for i in program_ids
    }
    for program_id, status, n in rows.all():
        counts[program_id][status] = n
    return [counts[i] for i in program_ids]
