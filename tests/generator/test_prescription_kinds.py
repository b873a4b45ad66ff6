"""Holds are written in seconds and carries or crawls in meters (issue 15), next to their one rep."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Goal, PrescriptionKind, SessionExercise
from services.unit_of_work import UnitOfWorkFactory
from tests.factories import make_program
from tests.generating import generate_all_program_sessions


async def test_bodyweight_program_stores_seconds_and_meters(
    session_factory: async_sessionmaker[AsyncSession], units: UnitOfWorkFactory, library: None
) -> None:
    # Given a bodyweight program long enough to draw planks, wall sits and crawls
    async with session_factory() as db, db.begin():
        program = await make_program(
            db, goal=Goal.ENDURANCE, days_per_week=7, weeks=2, minutes_per_session=90, equipment=frozenset()
        )
    # When it is generated
    await generate_all_program_sessions(units, program.id)
    # Then every exercise carries the field of its kind and nothing else
    async with session_factory() as db:
        rows = (await db.scalars(select(SessionExercise))).all()
    kinds = {row.prescription_kind for row in rows}
    assert PrescriptionKind.SECONDS in kinds and PrescriptionKind.REPS in kinds
    for row in rows:
        if row.prescription_kind is PrescriptionKind.SECONDS:
            assert row.duration_seconds and row.distance_meters is None and row.reps_max == 1
        elif row.prescription_kind is PrescriptionKind.DISTANCE:
            assert row.distance_meters and row.duration_seconds is None and row.reps_max == 1
        else:
            assert row.duration_seconds is None and row.distance_meters is None
