"""Factory helpers that build rows through the services, so tests exercise the real paths."""

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Equipment, GenerationStatus, Goal, Level, Program, Role, Session, User
from services.live.status_log import StatusChange, StatusEvent
from services.programs.creation import ProgramSpec, add_program
from services.programs.reads import program_session_ids
from services.unit_of_work import UnitOfWork

_sequence = itertools.count(1)

FULL_GYM = frozenset(Equipment)


async def make_user(db: AsyncSession, role: Role = Role.COACH) -> User:
    n = next(_sequence)
    user = User(email=f"user{n}@example.com", display_name=f"User {n}", role=role)
    db.add(user)
    await db.flush()
    return user


def program_spec(owner_id: int, **overrides: object) -> ProgramSpec:
    values: dict[str, Any] = {
        "owner_id": owner_id,
        "name": "Test program",
        "goal": Goal.STRENGTH,
        "level": Level.INTERMEDIATE,
        "days_per_week": 3,
        "weeks": 4,
        "minutes_per_session": 60,
        "equipment": FULL_GYM,
        "start_date": dt.date(2026, 1, 5),
    }
    values.update(overrides)
    return ProgramSpec(**values)


async def make_program(db: AsyncSession, **overrides: Any) -> Program:
    """A program of ``owner`` (a new user if none) with ``program_spec``'s other ``overrides``
    (typed Any: helpers pass on the overrides they were given)."""
    owner: User | None = overrides.pop("owner", None)
    owner = owner or await make_user(db)
    program, _session_ids = await add_program(db, program_spec(owner.id, **overrides))
    return program


async def change_status(
    units: "Callable[[], UnitOfWork]", session_id: int, status: GenerationStatus, error: str | None = None
) -> StatusEvent:
    """Set a session's status as a use case does: the row and its event in one transaction."""
    async with units() as uow:
        session = await uow.db.get(Session, session_id, with_for_update=True)
        assert session is not None
        session.generation_status = status
        session.generation_error = error
        uow.record(StatusChange(session.program_id, session_id, status, error, session.generation_attempts))
    [event] = uow.events
    return event


async def make_program_with_sessions(
    factory: async_sessionmaker[AsyncSession], **overrides: object
) -> tuple[int, list[int]]:
    """A committed program and its session ids in calendar order."""
    async with factory() as db, db.begin():
        program_id = (await make_program(db, **overrides)).id
    async with factory() as db:
        return program_id, await program_session_ids(db, program_id)
