"""The session generator against a real database: every outcome is recorded on the session."""

import logging
from collections.abc import Sequence

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    Equipment,
    Focus,
    GenerationStatus,
    Goal,
    Level,
    Microcycle,
    Movement,
    Phase,
    Session,
    SessionExercise,
)
from services.errors import ProgramNotFound, SessionNotFound
from services.movement_catalogue import load_catalogue
from services.programs import program_session_ids
from services.session_drafting import ProgramParams, draft_session
from services.session_generator import (
    MAX_MISSING_RATIO,
    generate_all_program_sessions,
    populate_session_by_id,
    too_many_missing,
)
from services.status_changes import StatusChange
from tests.chaos import install_exercise_trigger
from tests.factories import make_program

Factory = async_sessionmaker[AsyncSession]


async def _exercises(db: AsyncSession, session_id: int) -> list[tuple[object, ...]]:
    rows = await db.execute(
        select(
            SessionExercise.position,
            SessionExercise.movement_id,
            SessionExercise.sets,
            SessionExercise.reps_min,
            SessionExercise.reps_max,
            SessionExercise.target_rpe,
            SessionExercise.target_percent_1rm,
            SessionExercise.rest_seconds,
        )
        .where(SessionExercise.session_id == session_id)
        .order_by(SessionExercise.position)
    )
    return [tuple(row) for row in rows]


async def _new_program(factory: Factory, **overrides: object) -> int:
    async with factory() as db, db.begin():
        return (await make_program(db, **overrides)).id


async def test_twelve_weeks_seven_days_all_84_sessions_complete(
    session_factory: Factory, library: None
) -> None:
    program_id = await _new_program(session_factory, weeks=12, days_per_week=7, goal=Goal.HYPERTROPHY)
    async with session_factory() as db:
        assert len(await program_session_ids(db, program_id, [GenerationStatus.PENDING])) == 84
        weeks = (await db.scalars(select(Microcycle).where(Microcycle.program_id == program_id))).all()
        assert len(weeks) == 12 and sum(w.is_active for w in weeks) == 1

    outcomes = await generate_all_program_sessions(session_factory, program_id)

    assert [o.status for o in outcomes] == [GenerationStatus.COMPLETE] * 84
    async with session_factory() as db:
        sessions = (await db.scalars(select(Session).where(Session.program_id == program_id))).all()
        assert {s.generation_status for s in sessions} == {GenerationStatus.COMPLETE}
        assert all(s.generated_at is not None and s.generation_attempts == 1 for s in sessions)
        counts = dict(
            (
                await db.execute(
                    select(SessionExercise.session_id, func.count())
                    .where(SessionExercise.session_id.in_([s.id for s in sessions]))
                    .group_by(SessionExercise.session_id)
                )
            ).all()
        )
        assert len(counts) == 84 and min(counts.values()) >= 3


async def test_unknown_session_raises_and_writes_nothing(session_factory: Factory, library: None) -> None:
    with pytest.raises(SessionNotFound) as raised:
        await populate_session_by_id(session_factory, 987654321)
    assert raised.value.code == "NOT_FOUND"
    with pytest.raises(ProgramNotFound):
        await generate_all_program_sessions(session_factory, 987654321)


async def test_status_changes_are_reported_in_order(session_factory: Factory, library: None) -> None:
    program_id = await _new_program(session_factory, weeks=1, days_per_week=2)
    async with session_factory() as db:
        first = (await program_session_ids(db, program_id))[0]
    seen: list[StatusChange] = []

    async def listener(change: StatusChange) -> None:
        async with session_factory() as db:  # reported after commit: a new session sees it
            status = await db.scalar(select(Session.generation_status).where(Session.id == change.session_id))
        assert status is change.status
        seen.append(change)

    await populate_session_by_id(session_factory, first, notify=listener)
    await populate_session_by_id(session_factory, first, notify=listener)

    assert [(c.status, c.attempt) for c in seen] == [
        (GenerationStatus.IN_PROGRESS, 1),
        (GenerationStatus.COMPLETE, 1),
        (GenerationStatus.IN_PROGRESS, 2),
        (GenerationStatus.COMPLETE, 2),
    ]
    assert {c.program_id for c in seen} == {program_id}


async def test_regeneration_is_deterministic_and_replaces(session_factory: Factory, library: None) -> None:
    program_id = await _new_program(session_factory, weeks=2, days_per_week=3)
    async with session_factory() as db:
        session_id = (await program_session_ids(db, program_id))[-1]
    await populate_session_by_id(session_factory, session_id)
    async with session_factory() as db:
        before = await _exercises(db, session_id)

    await populate_session_by_id(session_factory, session_id)

    async with session_factory() as db:
        assert await _exercises(db, session_id) == before
        assert len(before) >= 3


# --- the 10% threshold, on both sides, with a real library missing real movements ---------------


def test_threshold_is_ten_percent_inclusive() -> None:
    assert MAX_MISSING_RATIO == 0.10
    assert not too_many_missing(1, 10) and not too_many_missing(10, 100) and not too_many_missing(0, 3)
    assert too_many_missing(1, 9) and too_many_missing(11, 100) and too_many_missing(2, 10)


async def _draft_names(factory: Factory, session_id: int) -> list[str]:
    """The generator's own draft for this session (it is deterministic), to pick what to remove."""
    async with factory() as db:
        session = await db.get(Session, session_id)
        assert session is not None
        microcycle = await db.get(Microcycle, session.microcycle_id)
        from models import Program

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


async def _session_with_draft_of(factory: Factory, size: int) -> tuple[int, list[str]]:
    """Find a session whose draft has exactly ``size`` exercises (longer sessions draft more)."""
    for minutes in range(60, 241, 15):
        for goal in (Goal.HYPERTROPHY, Goal.GENERAL_FITNESS, Goal.ENDURANCE, Goal.STRENGTH):
            program_id = await _new_program(
                factory,
                weeks=1,
                days_per_week=4,
                minutes_per_session=minutes,
                goal=goal,
                level=Level.ADVANCED,
            )
            async with factory() as db:
                for session_id in await program_session_ids(db, program_id):
                    names = await _draft_names(factory, session_id)
                    if len(names) == size:
                        return session_id, names
    raise AssertionError(f"no session drafts {size} exercises; adjust the search")


async def _remove_from_library(factory: Factory, names: Sequence[str]) -> None:
    async with factory() as db, db.begin():
        result = await db.execute(delete(Movement).where(Movement.name.in_(names)))
        assert result.rowcount == len(names)


async def test_exactly_ten_percent_missing_completes_with_a_warning(
    session_factory: Factory, library: None, caplog: pytest.LogCaptureFixture
) -> None:
    session_id, names = await _session_with_draft_of(session_factory, 10)
    await _remove_from_library(session_factory, names[-1:])

    with caplog.at_level(logging.WARNING, logger="services.session_generator"):
        outcome = await populate_session_by_id(session_factory, session_id)

    assert outcome.status is GenerationStatus.COMPLETE and outcome.missing_movements == (names[-1],)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and names[-1] in warnings[0].getMessage()
    async with session_factory() as db:
        assert len(await _exercises(db, session_id)) == 9


async def test_eleven_percent_missing_fails_with_names_and_an_error_log(
    session_factory: Factory, library: None, caplog: pytest.LogCaptureFixture
) -> None:
    session_id, names = await _session_with_draft_of(session_factory, 9)
    await _remove_from_library(session_factory, names[1:2])  # 1 of 9 = 11%

    with caplog.at_level(logging.WARNING, logger="services.session_generator"):
        outcome = await populate_session_by_id(session_factory, session_id)

    assert outcome.status is GenerationStatus.FAILED and outcome.missing_movements == (names[1],)
    async with session_factory() as db:
        session = await db.get(Session, session_id)
        assert session is not None and session.generation_status is GenerationStatus.FAILED
        assert session.generation_error is not None and names[1] in session.generation_error
        assert await _exercises(db, session_id) == []
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None
    message = errors[0].getMessage()
    assert f"session {session_id}" in message and names[1] in message and "microcycle" in message


async def test_database_error_mid_write_keeps_previous_exercises(
    session_factory: Factory, library: None, caplog: pytest.LogCaptureFixture
) -> None:
    program_id = await _new_program(session_factory, weeks=1, days_per_week=3)
    async with session_factory() as db:
        session_id = (await program_session_ids(db, program_id))[0]
    await populate_session_by_id(session_factory, session_id)
    async with session_factory() as db:
        before = await _exercises(db, session_id)
    # A real failure inside the write transaction: the old rows are already deleted when it hits.
    await install_exercise_trigger(session_factory, "RAISE EXCEPTION 'disk on fire';")

    with caplog.at_level(logging.ERROR, logger="services.session_generator"):
        outcome = await populate_session_by_id(session_factory, session_id)

    assert outcome.status is GenerationStatus.FAILED
    async with session_factory() as db:
        session = await db.get(Session, session_id)
        assert session is not None and session.generation_status is GenerationStatus.FAILED
        assert "disk on fire" in (session.generation_error or "")
        assert session.generation_attempts == 2
        assert await _exercises(db, session_id) == before
    assert any(r.levelno == logging.ERROR and r.exc_info for r in caplog.records)


async def test_deload_week_has_less_volume_than_the_week_before(
    session_factory: Factory, library: None
) -> None:
    program_id = await _new_program(session_factory, weeks=4, days_per_week=3, goal=Goal.HYPERTROPHY)
    await generate_all_program_sessions(session_factory, program_id)
    async with session_factory() as db:
        rows = await db.execute(
            select(
                Microcycle.index, Microcycle.phase, func.sum(SessionExercise.sets * SessionExercise.reps_max)
            )
            .join(Session, Session.microcycle_id == Microcycle.id)
            .join(SessionExercise, SessionExercise.session_id == Session.id)
            .where(Microcycle.program_id == program_id)
            .group_by(Microcycle.index, Microcycle.phase)
            .order_by(Microcycle.index)
        )
        volume = {index: (phase, total) for index, phase, total in rows.all()}
    assert volume[4][0] is Phase.DELOAD
    assert volume[4][1] < 0.8 * volume[3][1]


async def test_session_focus_follows_the_split(session_factory: Factory) -> None:
    program_id = await _new_program(session_factory, weeks=1, days_per_week=4)
    async with session_factory() as db:
        focuses = (
            await db.scalars(
                select(Session.focus).where(Session.program_id == program_id).order_by(Session.day_index)
            )
        ).all()
    assert focuses == [Focus.UPPER, Focus.LOWER, Focus.UPPER, Focus.LOWER]
