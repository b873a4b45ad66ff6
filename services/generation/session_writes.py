"""The generator's statements: claim a session, lock and clear it, write its exercises and complete it.

Each step is one statement (the status log's append and the commit aside), written in SQL rather
than through the ORM: a session's generation was seven ORM round trips and ~5 ms of worker CPU,
most of it SQLAlchemy compiling and loading objects nobody kept (see BENCHMARKS.md). The rules
are those of ``services.generation.session_generator``, which owns the flow; this module only says how each
step reads and writes.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Equipment, Focus, GenerationStatus, Goal, Level, Phase
from services.adapters.transient_errors import ConcurrentChange
from services.errors import MicrocycleNotFound, ProgramNotFound, SessionNotFound
from services.generation.session_drafting import DraftExercise, ProgramParams

MOVEMENT_FOREIGN_KEY = "fk_session_exercises_movement_id_movements"

_CLAIM = text(
    """
    UPDATE sessions AS s
    SET generation_status = 'IN_PROGRESS', generation_attempts = s.generation_attempts + 1,
        generation_error = NULL, updated_at = now()
    FROM microcycles AS m, programs AS p
    WHERE s.id = :session_id AND s.generation_status IN ('PENDING', 'IN_PROGRESS')
      AND m.id = s.microcycle_id AND p.id = s.program_id
    RETURNING s.program_id, s.microcycle_id, s.generation_attempts, s.day_index, s.focus,
              m.index, m.phase, p.goal, p.level, p.days_per_week, p.weeks, p.minutes_per_session,
              p.equipment, (SELECT version FROM movement_library_version WHERE id = 1)
    """
)

_WHY_NOT_CLAIMED = text(
    """
    SELECT s.generation_status, m.id IS NOT NULL, p.id IS NOT NULL, s.microcycle_id, s.program_id
    FROM sessions AS s
    LEFT JOIN microcycles AS m ON m.id = s.microcycle_id
    LEFT JOIN programs AS p ON p.id = s.program_id
    WHERE s.id = :session_id
    """
)

# The session is locked (FOR UPDATE) and its old exercises deleted only when it is still
# IN_PROGRESS; a data-modifying WITH runs whether or not the outer query reads it.
_LOCK_AND_CLEAR = text(
    """
    WITH target AS (
        SELECT id FROM sessions
        WHERE id = :session_id AND generation_status = 'IN_PROGRESS'
        FOR UPDATE
    ), cleared AS (
        DELETE FROM session_exercises WHERE session_id IN (SELECT id FROM target)
    )
    SELECT (SELECT count(*) FROM target), (SELECT version FROM movement_library_version WHERE id = 1)
    """
)

_COMPLETE = text(
    """
    WITH written AS (
        INSERT INTO session_exercises (session_id, position, movement_id, sets, reps_min, reps_max,
                                       target_rpe, target_percent_1rm, rest_seconds, notes,
                                       prescription_kind, duration_seconds, distance_meters)
        SELECT :session_id, e.position, e.movement_id, e.sets, e.reps_min, e.reps_max,
               e.target_rpe, e.target_percent_1rm, e.rest_seconds, e.notes,
               e.prescription_kind, e.duration_seconds, e.distance_meters
        FROM unnest(
            CAST(:positions AS integer[]), CAST(:movement_ids AS bigint[]), CAST(:sets AS integer[]),
            CAST(:reps_min AS integer[]), CAST(:reps_max AS integer[]), CAST(:target_rpe AS numeric[]),
            CAST(:target_percent_1rm AS integer[]), CAST(:rest_seconds AS integer[]),
            CAST(:notes AS text[]), CAST(:prescription_kind AS varchar[]),
            CAST(:duration_seconds AS integer[]), CAST(:distance_meters AS integer[])
        ) AS e(position, movement_id, sets, reps_min, reps_max, target_rpe, target_percent_1rm,
               rest_seconds, notes, prescription_kind, duration_seconds, distance_meters)
    )
    UPDATE sessions
    SET generation_status = 'COMPLETE', generation_error = NULL, generated_at = now(), updated_at = now()
    WHERE id = :session_id
    RETURNING generation_attempts
    """
)


class MovementRemoved(ConcurrentChange):
    """A resolved movement was deleted from the library before the exercises were written."""

    def __init__(self) -> None:
        super().__init__(
            "a movement was removed from the library while the session was written; "
            "the session is drafted again against the library as it is now"
        )


@dataclass(frozen=True, slots=True)
class Claimed:
    """A session just marked IN_PROGRESS, with what drafting it needs."""

    session_id: int
    program_id: int
    microcycle_id: int
    attempt: int
    week_index: int
    day_index: int
    focus: Focus
    phase: Phase
    params: ProgramParams
    library_version: int  # the movement library's, for drafting from it


async def claim_session(db: AsyncSession, session_id: int) -> Claimed | GenerationStatus:
    """Mark an unfinished session IN_PROGRESS (one more attempt); a finished one is left as it is
    and its status returned. Raises when the session, its microcycle or its program is gone."""
    row = (await db.execute(_CLAIM, {"session_id": session_id})).first()
    if row is not None:
        (program_id, microcycle_id, attempt, day, focus, week, phase, goal, level, days, weeks, minutes,
         equipment, library_version) = row  # fmt: skip
        params = ProgramParams(
            program_id=program_id,
            goal=Goal(goal),
            level=Level(level),
            days_per_week=days,
            weeks=weeks,
            minutes_per_session=minutes,
            equipment=frozenset(Equipment(e) for e in equipment),
        )
        return Claimed(
            session_id, program_id, microcycle_id, attempt, week, day, Focus(focus), Phase(phase), params,
            int(library_version),
        )  # fmt: skip
    why = (await db.execute(_WHY_NOT_CLAIMED, {"session_id": session_id})).first()
    if why is None:
        raise SessionNotFound(session_id)
    status, has_microcycle, has_program, microcycle_id, program_id = why
    if not has_microcycle:
        raise MicrocycleNotFound(microcycle_id)
    if not has_program:
        raise ProgramNotFound(program_id)
    return GenerationStatus(status)


async def lock_and_clear(db: AsyncSession, session_id: int) -> int | None:
    """Lock the session and delete its exercises if it is still IN_PROGRESS, and return the
    movement library's version; None, changing nothing, if it is no longer IN_PROGRESS. The
    caller's transaction decides: a rollback brings the exercises back."""
    row = (await db.execute(_LOCK_AND_CLEAR, {"session_id": session_id})).one()
    locked, library_version = row
    return int(library_version) if locked else None


async def write_exercises_and_complete(
    db: AsyncSession, session_id: int, exercises: Sequence[tuple[DraftExercise, int]]
) -> int:
    """Insert the exercises (each with its movement id) in order and set the session COMPLETE;
    return its attempt number. The session must have been locked by ``lock_and_clear``.

    Raises ``MovementRemoved`` (transient) when a movement was deleted after it was resolved."""
    try:
        attempt = await db.scalar(_COMPLETE, _exercise_columns(session_id, exercises))
    except IntegrityError as exc:
        if _violated_constraint(exc) == MOVEMENT_FOREIGN_KEY:
            raise MovementRemoved() from exc
        raise
    if attempt is None:
        raise SessionNotFound(session_id)
    return int(attempt)


def _exercise_columns(session_id: int, exercises: Sequence[tuple[DraftExercise, int]]) -> dict[str, object]:
    return {
        "session_id": session_id,
        "positions": list(range(1, len(exercises) + 1)),
        "movement_ids": [movement_id for _, movement_id in exercises],
        "sets": [e.sets for e, _ in exercises],
        "reps_min": [e.reps_min for e, _ in exercises],
        "reps_max": [e.reps_max for e, _ in exercises],
        "target_rpe": [e.target_rpe for e, _ in exercises],
        "target_percent_1rm": [e.target_percent_1rm for e, _ in exercises],
        "rest_seconds": [e.rest_seconds for e, _ in exercises],
        "notes": [e.notes for e, _ in exercises],
        "prescription_kind": [e.kind.value for e, _ in exercises],
        "duration_seconds": [e.duration_seconds for e, _ in exercises],
        "distance_meters": [e.distance_meters for e, _ in exercises],
    }


def _violated_constraint(exc: IntegrityError) -> str | None:
    """The constraint PostgreSQL named (asyncpg's error, under SQLAlchemy's and its adapter's)."""
    link: BaseException | None = exc
    seen: list[BaseException] = []
    while link is not None and link not in seen:
        name = getattr(link, "constraint_name", None)
        if isinstance(name, str):
            return name
        seen.append(link)
        link = link.__cause__ or getattr(link, "orig", None)
    return None
