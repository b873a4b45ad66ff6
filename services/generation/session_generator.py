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

from sqlalchemy import select

from models import GenerationStatus, Session
from services.adapters.outages import describe_error
from services.adapters.transient_errors import is_transient
from services.errors import SessionNotFound
from services.generation.session_drafting import SessionDraft
from services.generation.session_writes import (
    Claimed,
    claim_session,
    lock_and_clear,
    write_exercises_and_complete,
)
from services.generation.week_planner import draft_session
from services.library.movement_catalogue import MovementSpec
from services.library.movement_index import MovementIndexCache
from services.live.status_log import StatusChange
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


def too_many_missing(missing: int, drafted: int) -> bool:
    return drafted == 0 or missing / drafted > MAX_MISSING_RATIO


async def start_generation(uow: UnitOfWork, session_id: int) -> Claimed | GenerationStatus:
    """Mark the session IN_PROGRESS (one more attempt) and return what drafting needs; or, when
    the session is COMPLETE or FAILED already, change nothing and return that status."""
    claimed = await claim_session(uow.db, session_id)
    if not isinstance(claimed, GenerationStatus):
        uow.record(
            StatusChange(claimed.program_id, session_id, GenerationStatus.IN_PROGRESS, None, claimed.attempt)
        )
    return claimed


async def complete_generation(
    uow: UnitOfWork, ctx: Claimed, draft: SessionDraft, movements: MovementIndexCache
) -> tuple[str, ...] | GenerationStatus:
    """Resolve the drafted names and replace the session's exercises, setting COMPLETE; return the
    misses. When the session is no longer IN_PROGRESS (another run finished it meanwhile), change
    nothing and return its status. Too many misses raise, and the transaction's rollback keeps
    the exercises the session had."""
    db = uow.db
    names = [exercise.movement_name for exercise in draft.exercises]
    library_version = await lock_and_clear(db, ctx.session_id)
    if library_version is None:
        status = await db.scalar(select(Session.generation_status).where(Session.id == ctx.session_id))
        if status is None:  # deleted while we drafted
            raise SessionNotFound(ctx.session_id)
        return status
    movement_ids = (await movements.at_version(db, library_version)).resolve(names)
    missing = [name for name, movement_id in zip(names, movement_ids, strict=True) if movement_id is None]
    if too_many_missing(len(missing), len(names)):
        raise TooManyMissingMovements(missing, len(names))  # the rollback restores the old exercises
    if missing:
        log.warning(
            "session %d: %d of %d drafted movements not in the library, generated without them: %s",
            ctx.session_id,
            len(missing),
            len(names),
            ", ".join(missing),
        )
    kept = [
        (exercise, movement_id)
        for exercise, movement_id in zip(draft.exercises, movement_ids, strict=True)
        if movement_id is not None
    ]
    attempt = await write_exercises_and_complete(db, ctx.session_id, kept)
    uow.record(StatusChange(ctx.program_id, ctx.session_id, GenerationStatus.COMPLETE, None, attempt))
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
    movements: MovementIndexCache | None = None,
) -> GenerationOutcome:
    """Generate one session and return what happened.

    Raises ``SessionNotFound`` (and the other not-found errors) rather than returning nothing,
    and re-raises transient errors (database or Redis unreachable) with the session left
    IN_PROGRESS, for the caller to retry. Permanent failures are recorded as FAILED and returned.
    ``movements`` is the process's index of the library (a worker keeps one for all its jobs);
    without it the library is loaded for this call. The session is drafted from that library at
    the version read when it was claimed, unless ``catalogue`` is given (tests draft from a fixed
    one).
    """
    movements = movements or MovementIndexCache()
    async with units() as uow:
        started = await start_generation(uow, session_id)
        if not isinstance(started, GenerationStatus) and catalogue is None:
            catalogue = (await movements.library_at(uow.db, started.library_version)).catalogue
    if isinstance(started, GenerationStatus):
        return GenerationOutcome(session_id, started, skipped=f"already {started.value}")
    ctx = started
    try:
        library = catalogue if catalogue is not None else ()
        draft = draft_session(ctx.params, ctx.week_index, ctx.day_index, ctx.focus, ctx.phase, library)
        async with units() as uow:
            missing = await complete_generation(uow, ctx, draft, movements)
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
