"""Populate one session with exercises, recording every outcome on the session itself.

``populate_session_by_id`` runs the generation of one session as units of work (see
``services.unit_of_work``), each committing a status change together with its event: the
IN_PROGRESS mark first, on its own, so others see it; then the exercises are replaced and
COMPLETE set in one transaction, or FAILED and the reason are recorded in another. A failure
never half-writes a session and never deletes the exercises it had before the attempt.

A job may run more than once (arq retries, a released job of a worker that seemed dead), so a
run that finds its session already COMPLETE or FAILED changes nothing: only PENDING and
IN_PROGRESS sessions are generated, and a session is reset to PENDING before it is regenerated.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert

from models import Equipment, Focus, GenerationStatus, Microcycle, Phase, Program, Session, SessionExercise
from services.errors import MicrocycleNotFound, ProgramNotFound, SessionNotFound
from services.movement_catalogue import MovementSpec, load_catalogue
from services.movement_library import resolve_movement_names
from services.outages import describe_error
from services.programs import program_session_ids
from services.session_drafting import ProgramParams, SessionDraft, draft_session
from services.status_log import StatusChange
from services.transient_errors import is_transient
from services.unit_of_work import UnitOfWork

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


UnitsOfWork = Callable[[], UnitOfWork]
FINISHED = (GenerationStatus.COMPLETE, GenerationStatus.FAILED)


@dataclass(frozen=True)
class GenerationOutcome:
    session_id: int
    status: GenerationStatus
    error: str | None = None
    missing_movements: tuple[str, ...] = ()
    exercise_count: int = 0
    skipped: str | None = None  # why this run changed nothing (the session was finished already)


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


async def start_generation(uow: UnitOfWork, session_id: int) -> _Context | GenerationStatus:
    """Mark the session IN_PROGRESS (one more attempt) and return what drafting needs; or, when
    the session is COMPLETE or FAILED already, change nothing and return that status."""
    db = uow.db
    row = await db.get(Session, session_id, with_for_update=True)
    if row is None:
        raise SessionNotFound(session_id)
    if row.generation_status in FINISHED:
        return row.generation_status
    microcycle = await db.get(Microcycle, row.microcycle_id)
    if microcycle is None:
        raise MicrocycleNotFound(row.microcycle_id)
    program = await db.get(Program, row.program_id)
    if program is None:
        raise ProgramNotFound(row.program_id)
    row.generation_status = GenerationStatus.IN_PROGRESS
    row.generation_attempts += 1
    row.generation_error = None
    uow.record(StatusChange(program.id, row.id, GenerationStatus.IN_PROGRESS, None, row.generation_attempts))
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


async def complete_generation(
    uow: UnitOfWork, ctx: _Context, draft: SessionDraft
) -> tuple[str, ...] | GenerationStatus:
    """Resolve the drafted names and replace the session's exercises, setting COMPLETE; return the
    misses. When the session is no longer IN_PROGRESS (another run finished it meanwhile), change
    nothing and return its status."""
    db = uow.db
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
    if row.generation_status is not GenerationStatus.IN_PROGRESS:
        return row.generation_status
    await db.execute(delete(SessionExercise).where(SessionExercise.session_id == ctx.session_id))
    kept = [exercise for exercise in draft.exercises if exercise.movement_name in found]
    # One multi-row statement (an executemany would run the INSERT once per row).
    await db.execute(
        insert(SessionExercise).values(
            [
                {
                    "session_id": ctx.session_id,
                    "position": position,
                    "movement_id": found[exercise.movement_name].id,
                    "sets": exercise.sets,
                    "reps_min": exercise.reps_min,
                    "reps_max": exercise.reps_max,
                    "target_rpe": exercise.target_rpe,
                    "target_percent_1rm": exercise.target_percent_1rm,
                    "rest_seconds": exercise.rest_seconds,
                    "notes": exercise.notes,
                }
                for position, exercise in enumerate(kept, start=1)
            ]
        )
    )
    row.generation_status = GenerationStatus.COMPLETE
    row.generation_error = None
    row.generated_at = func.now()
    uow.record(StatusChange(ctx.program_id, row.id, GenerationStatus.COMPLETE, None, row.generation_attempts))
    return tuple(missing)


async def fail_session(uow: UnitOfWork, session_id: int, reason: str) -> bool:
    """Record a failure on an unfinished session (its exercises are left as they were).

    False, changing nothing, when the session is COMPLETE or FAILED already: a late failure of one
    run never overwrites the result of another.
    """
    row = await uow.db.get(Session, session_id, with_for_update=True)
    if row is None:
        raise SessionNotFound(session_id)
    if row.generation_status in FINISHED:
        return False
    row.generation_status = GenerationStatus.FAILED
    row.generation_error = reason
    uow.record(StatusChange(row.program_id, row.id, GenerationStatus.FAILED, reason, row.generation_attempts))
    return True


async def populate_session_by_id(
    units: UnitsOfWork,
    session_id: int,
    *,
    catalogue: Sequence[MovementSpec] | None = None,
) -> GenerationOutcome:
    """Generate one session and return what happened.

    Raises ``SessionNotFound`` (and the other not-found errors) rather than returning nothing,
    and re-raises transient errors (database or Redis unreachable) with the session left
    IN_PROGRESS, for the caller to retry. Permanent failures are recorded as FAILED and returned.
    """
    async with units() as uow:
        started = await start_generation(uow, session_id)
    if isinstance(started, GenerationStatus):
        return GenerationOutcome(session_id, started, skipped=f"already {started.value}")
    ctx = started
    try:
        draft = draft_session(
            ctx.params, ctx.week_index, ctx.day_index, ctx.focus, ctx.phase, catalogue or load_catalogue()
        )
        async with units() as uow:
            missing = await complete_generation(uow, ctx, draft)
    except Exception as exc:
        if is_transient(exc):
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
        reason = str(exc) if isinstance(exc, GenerationFailed) else describe_error(exc)
        async with units() as uow:
            await fail_session(uow, session_id, reason)
        return GenerationOutcome(session_id, GenerationStatus.FAILED, reason, tuple(missing_names))
    if isinstance(missing, GenerationStatus):
        return GenerationOutcome(session_id, missing, skipped=f"{missing.value} by another run meanwhile")
    return GenerationOutcome(
        session_id,
        GenerationStatus.COMPLETE,
        missing_movements=missing,
        exercise_count=len(draft.exercises) - len(missing),
    )


async def generate_all_program_sessions(
    units: UnitsOfWork,
    program_id: int,
    *,
    catalogue: Sequence[MovementSpec] | None = None,
) -> list[GenerationOutcome]:
    """Generate every session of every microcycle (not only the active one), in calendar order."""
    async with units() as uow:
        session_ids = await program_session_ids(uow.db, program_id)
    return [
        await populate_session_by_id(units, session_id, catalogue=catalogue) for session_id in session_ids
    ]
