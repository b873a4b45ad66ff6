"""Program creation lays out every week and day, and refuses bad input before writing."""

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import GenerationStatus, Microcycle, Phase, Program, Session
from services.errors import InvalidInput, UserNotFound
from services.programs.creation import add_program
from tests.factories import make_user, program_spec


async def test_every_microcycle_and_session_is_created_pending(db_session: AsyncSession) -> None:
    owner = await make_user(db_session)
    program, session_ids = await add_program(db_session, program_spec(owner.id, weeks=8, days_per_week=3))

    weeks = (
        await db_session.scalars(
            select(Microcycle).where(Microcycle.program_id == program.id).order_by(Microcycle.index)
        )
    ).all()
    sessions = (
        await db_session.scalars(
            select(Session).where(Session.program_id == program.id).order_by(Session.scheduled_date)
        )
    ).all()
    assert [w.index for w in weeks] == list(range(1, 9))
    assert [w.is_active for w in weeks] == [True] + [False] * 7
    assert weeks[3].phase is Phase.DELOAD and weeks[7].phase is Phase.DELOAD
    assert len(sessions) == 24
    assert session_ids == [s.id for s in sessions]  # returned in calendar order
    assert {s.generation_status for s in sessions} == {GenerationStatus.PENDING}
    assert sessions[0].scheduled_date == dt.date(2026, 1, 5)
    assert [s.scheduled_date.weekday() for s in sessions[:3]] == [0, 2, 4]  # Mon, Wed, Fri


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("daysPerWeek", {"days_per_week": 0}),
        ("daysPerWeek", {"days_per_week": 8}),
        ("weeks", {"weeks": 0}),
        ("weeks", {"weeks": 10**9}),
        ("minutesPerSession", {"minutes_per_session": -5}),
        ("minutesPerSession", {"minutes_per_session": 241}),
        ("name", {"name": "   "}),
        ("name", {"name": "x" * 201}),
    ],
)
async def test_out_of_range_input_is_refused_before_anything_is_written(
    db_session: AsyncSession, field: str, overrides: dict[str, object]
) -> None:
    owner = await make_user(db_session)
    with pytest.raises(InvalidInput) as raised:
        await add_program(db_session, program_spec(owner.id, **overrides))
    assert raised.value.field == field and raised.value.code == "INVALID_INPUT"
    assert await db_session.scalar(select(func.count()).select_from(Program)) == 0


async def test_unknown_owner_is_not_found(db_session: AsyncSession) -> None:
    with pytest.raises(UserNotFound):
        await add_program(db_session, program_spec(424242))
