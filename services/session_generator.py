"""Populate one session with exercises, recording every outcome on the session itself.

``populate_session_by_id`` owns its transactions (it is the unit of work a job runs): the
IN_PROGRESS mark is committed on its own so others see it, then the exercises are replaced and
COMPLETE set in one transaction, or FAILED and the reason are recorded in another. A failure
never half-writes a session and never deletes the exercises it had before the attempt.
"""

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Equipment, Focus, GenerationStatus, Microcycle, Phase, Program, Session, SessionExercise
from services.errors import MicrocycleNotFound, ProgramNotFound, SessionNotFound
from services.movement_catalogue import MovementSpec, load_catalogue
from services.movement_library import resolve_movement_names
from services.programs import program_session_ids
from services.session_drafting import ProgramParams, SessionDraft, draft_session
from services.status_changes import StatusChange, StatusListener
from services.transient_errors import is_transient

log = logging.getLogger(__name__)

MAX_MISSING_RATIO = 0.10
"""More than this share of drafted movements missing from the library fails the session."""


class GenerationFailed(Exception):
    """A permanent failure: retrying with the same program and library would fail again."""


class TooManyMissingMovements(GenerationFailed):
    def __init__(self, missing: Sequence[str], drafted: int) -> None:
        self.missing = list(missing)
        self.drafted = drafted
        share = f"{len(missing) / drafted:.0%}" if drafted else "all"
        super().__init__(
            f"{len(missing)} of {drafted} drafted movements are not in the movement library "
            f"({share} > {MAX_MISSING_RATIO:.0%}): {', '.join(missing)}"
        )


@dataclass(frozen=True)
class GenerationOutcome:
    session_id: int
    status: GenerationStatus
    error: str | None = None
    missing_movements: tuple[str, ...] = ()
    exercise_count: int = 0


@dataclass(frozen=True)
class _Context:
    session_id: int
    program_id: int
    microcycle_id: int
    attempt: int
    week_index: int
    day_index: int
    focus: Focus
    phase: Phase
    params: ProgramParams


def too_many_missing(missing: int, drafted: int) -> bool:
    return drafted == 0 or missing / drafted > MAX_MISSING_RATIO


async def _load_and_mark_in_progress(db: AsyncSession, session_id: int) -> _Context:
    row = await db.get(Session, session_id, with_for_update=True)
    if row is None:
        raise SessionNotFound(session_id)
    microcycle = await db.get(Microcycle, row.microcycle_id)
    if microcycle is None:
        raise MicrocycleNotFound(row.microcycle_id)
    program = await db.get(Program, row.program_id)
    if program is None:
        raise ProgramNotFound(row.program_id)
    row.generation_status = GenerationStatus.IN_PROGRESS
    row.generation_attempts += 1
    row.generation_error = None
    params = ProgramParams(
        program_id=program.id,
        goal=program.goal,
        level=program.level,
        days_per_week=program.days_per_week,
        weeks=program.weeks,
        minutes_per_session=program.minutes_per_session,
        equipment=frozenset(Equipment(e) for e in program.equipment),
    )
    return _Context(
        session_id=row.id,
        program_id=program.id,
        microcycle_id=microcycle.id,
        attempt=row.generation_attempts,
        week_index=microcycle.index,
        day_index=row.day_index,
        focus=row.focus,
        phase=microcycle.phase,
        params=params,
    )


async def _write_exercises(db: AsyncSession, ctx: _Context, draft: SessionDraft) -> tuple[str, ...]:
    """Resolve the drafted names and replace the session's exercises; return the misses."""
    names = [exercise.movement_name for exercise in draft.exercises]
    found, missing = await resolve_movement_names(db, names)
    if too_many_missing(len(missing), len(names)):
        raise TooManyMissingMovements(missing, len(names))
    if missing:
        log.warning(
            "session %d: %d of %d drafted movements not in the library, generated without them: %s",
            ctx.session_id,
            len(missing),
            len(names),
            ", ".join(missing),
        )
    row = await db.get(Session, ctx.session_id, with_for_update=True)
    if row is None:  # deleted while we drafted
        raise SessionNotFound(ctx.session_id)
    await db.execute(delete(SessionExercise).where(SessionExercise.session_id == ctx.session_id))
    kept = [exercise for exercise in draft.exercises if exercise.movement_name in found]
    db.add_all(
        SessionExercise(
            session_id=ctx.session_id,
            position=position,
            movement_id=found[exercise.movement_name].id,
            sets=exercise.sets,
            reps_min=exercise.reps_min,
            reps_max=exercise.reps_max,
            target_rpe=exercise.target_rpe,
            target_percent_1rm=exercise.target_percent_1rm,
            rest_seconds=exercise.rest_seconds,
            notes=exercise.notes,
        )
        for position, exercise in enumerate(kept, start=1)
    )
    row.generation_status = GenerationStatus.COMPLETE
    row.generation_error = None
    row.generated_at = func.now()
    await db.flush()
    return tuple(missing)


async def mark_session_failed(
    factory: async_sessionmaker[AsyncSession],
    session_id: int,
    reason: str,
    *,
    notify: StatusListener | None = None,
) -> None:
    """Record a failure on the session (its exercises are left as they were)."""
    async with factory() as db, db.begin():
        row = await db.get(Session, session_id, with_for_update=True)
        if row is None:
            raise SessionNotFound(session_id)
        row.generation_status = GenerationStatus.FAILED
        row.generation_error = reason
        change = StatusChange(
            row.program_id, row.id, GenerationStatus.FAILED, reason, row.generation_attempts, _now()
        )
    if notify is not None:
        await notify(change)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def populate_session_by_id(
    factory: async_sessionmaker[AsyncSession],
    session_id: int,
    *,
    catalogue: Sequence[MovementSpec] | None = None,
    notify: StatusListener | None = None,
) -> GenerationOutcome:
    """Generate one session and return what happened.

    Raises ``SessionNotFound`` (and the other not-found errors) rather than returning nothing,
    and re-raises transient errors (database or Redis unreachable) with the session left
    IN_PROGRESS, for the caller to retry. Permanent failures are recorded as FAILED and returned.
    """
    async with factory() as db, db.begin():
        ctx = await _load_and_mark_in_progress(db, session_id)
    if notify is not None:
        await notify(
            StatusChange(ctx.program_id, session_id, GenerationStatus.IN_PROGRESS, None, ctx.attempt, _now())
        )
    try:
        draft = draft_session(
            ctx.params, ctx.week_index, ctx.day_index, ctx.focus, ctx.phase, catalogue or load_catalogue()
        )
        async with factory() as db, db.begin():
            missing = await _write_exercises(db, ctx, draft)
    except Exception as exc:
        if is_transient(exc):
            log.warning("session %d: transient failure, left IN_PROGRESS: %r", session_id, exc)
            raise
        missing_names = exc.missing if isinstance(exc, TooManyMissingMovements) else []
        log.error(
            "session %d (program %d, microcycle %d) generation failed on attempt %d: %s; "
            "failed movement lookups: %s",
            session_id,
            ctx.program_id,
            ctx.microcycle_id,
            ctx.attempt,
            exc,
            ", ".join(missing_names) or "none",
            exc_info=True,
        )
        reason = str(exc) if isinstance(exc, GenerationFailed) else f"{type(exc).__name__}: {exc}"
        await mark_session_failed(factory, session_id, reason, notify=notify)
        return GenerationOutcome(session_id, GenerationStatus.FAILED, reason, tuple(missing_names))
    if notify is not None:
        await notify(
            StatusChange(ctx.program_id, session_id, GenerationStatus.COMPLETE, None, ctx.attempt, _now())
        )
    return GenerationOutcome(
        session_id,
        GenerationStatus.COMPLETE,
        missing_movements=missing,
        exercise_count=len(draft.exercises) - len(missing),
    )


async def generate_all_program_sessions(
    factory: async_sessionmaker[AsyncSession],
    program_id: int,
    *,
    catalogue: Sequence[MovementSpec] | None = None,
    notify: StatusListener | None = None,
) -> list[GenerationOutcome]:
    """Generate every session of every microcycle (not only the active one), in calendar order."""
    async with factory() as db:
        session_ids = await program_session_ids(db, program_id)
    return [
        await populate_session_by_id(factory, session_id, catalogue=catalogue, notify=notify)
        for session_id in session_ids
    ]


async def session_exercise_counts(db: AsyncSession, program_id: int) -> dict[int, int]:
    """Exercises per session of a program (sessions with none are absent)."""
    rows = await db.execute(
        select(SessionExercise.session_id, func.count())
        .join(Session, Session.id == SessionExercise.session_id)
        .where(Session.program_id == program_id)
        .group_by(SessionExercise.session_id)
    )
    return {session_id: count for session_id, count in rows.all()}
