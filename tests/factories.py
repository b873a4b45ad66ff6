"""Factory helpers that build rows through the services, so tests exercise the real paths."""

import datetime as dt
import itertools

from sqlalchemy.ext.asyncio import AsyncSession

from models import Equipment, Goal, Level, Program, Role, User
from services.programs import ProgramSpec, create_program

_sequence = itertools.count(1)

FULL_GYM = frozenset(Equipment)


async def make_user(db: AsyncSession, role: Role = Role.COACH) -> User:
    n = next(_sequence)
    user = User(email=f"user{n}@example.com", display_name=f"User {n}", role=role)
    db.add(user)
    await db.flush()
    return user


def program_spec(owner_id: int, **overrides: object) -> ProgramSpec:
    values: dict[str, object] = {
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
    return ProgramSpec(**values)  # type: ignore[arg-type]


async def make_program(db: AsyncSession, owner: User | None = None, **overrides: object) -> Program:
    owner = owner or await make_user(db)
    return await create_program(db, program_spec(owner.id, **overrides))
