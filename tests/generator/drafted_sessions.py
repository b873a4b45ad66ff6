"""Programs made straight in the database for the generator's tests, the generator's own draft of a
session (it is deterministic), and a session whose draft has a given number of exercises."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Equipment, Goal, Level, Microcycle, Program, Session
from services.generation.session_drafting import ProgramParams
from services.generation.week_planner import draft_session
from services.library.movement_catalogue import load_catalogue
from services.programs.reads import program_session_ids
from tests.factories import make_program

Factory = async_sessionmaker[AsyncSession]


async def new_program(factory: Factory, **overrides: object) -> int:
    async with factory() as db, db.begin():
        return (await make_program(db, **overrides)).id


async def draft_names(factory: Factory, session_id: int) -> list[str]:
    """The generator's own draft for this session (it is deterministic), to pick what to remove."""
    async with factory() as db:
        session = await db.get(Session, session_id)
        assert session is not None
        microcycle = await db.get(Microcycle, session.microcycle_id)
        program = await db.get(Program, session.program_id)
        assert microcycle is not None and program is not None
    params = ProgramParams(
        program.id,
        program.goal,
        program.level,
        program.days_per_week,
        program.weeks,
        program.minutes_per_session,
        frozenset(Equipment(e) for e in program.equipment),
    )
    draft = draft_session(
        params, microcycle.index, session.day_index, session.focus, microcycle.phase, load_catalogue()
    )
    return [e.movement_name for e in draft.exercises]


async def session_with_draft_of(factory: Factory, size: int) -> tuple[int, list[str]]:
    """Find a session whose draft has exactly ``size`` exercises (longer sessions draft more)."""
    for minutes in range(60, 241, 15):
        for goal in (Goal.HYPERTROPHY, Goal.GENERAL_FITNESS, Goal.ENDURANCE, Goal.STRENGTH):
            program_id = await new_program(
                factory,
                weeks=1,
                days_per_week=4,
                minutes_per_session=minutes,
                goal=goal,
                level=Level.ADVANCED,
            )
            async with factory() as db:
                for session_id in await program_session_ids(db, program_id):
                    names = await draft_names(factory, session_id)
                    if len(names) == size:
                        return session_id, names
    raise AssertionError(f"no session drafts {size} exercises; adjust the search")
