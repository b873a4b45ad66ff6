"""Choose the sessions to (re)generate and reset them to PENDING before their jobs are enqueued.

PostgreSQL is written first: if enqueueing then fails, the sessions are PENDING and the
reconciler enqueues them later, so a request never loses work between the two stores.
"""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import GenerationStatus, Session, User
from services.access import visible_program
from services.errors import InvalidInput, SessionNotFound
from services.status_changes import StatusChange

MAX_SESSION_IDS = 1000


async def sessions_to_regenerate(
    db: AsyncSession,
    user: User,
    program_id: int,
    session_ids: Sequence[int] | None,
    include_complete: bool,
) -> list[Session]:
    """The program's sessions to regenerate, in calendar order.

    Without ``session_ids``: every session that is not COMPLETE (all of them with
    ``include_complete``). With ``session_ids``: those sessions, which must all belong to the
    program (any other id is NOT_FOUND, whoever owns it); COMPLETE ones only with
    ``include_complete``, so a stray click never replaces a finished workout.
    """
    await visible_program(db, user, program_id)
    query = select(Session).where(Session.program_id == program_id)
    if session_ids is not None:
        if not session_ids:
            raise InvalidInput(
                "sessionIds must not be empty (omit it for every unfinished session)", field="sessionIds"
            )
        if len(session_ids) > MAX_SESSION_IDS:
            raise InvalidInput(f"at most {MAX_SESSION_IDS} sessionIds at once", field="sessionIds")
        rows = {s.id: s for s in (await db.scalars(query.where(Session.id.in_(session_ids)))).all()}
        for session_id in session_ids:
            if session_id not in rows:
                raise SessionNotFound(session_id)
        chosen = list(rows.values())
    else:
        chosen = list((await db.scalars(query)).all())
    if not include_complete:
        chosen = [s for s in chosen if s.generation_status is not GenerationStatus.COMPLETE]
    return sorted(chosen, key=lambda s: (s.scheduled_date, s.day_index, s.id))


async def reset_to_pending(db: AsyncSession, sessions: Sequence[Session]) -> list[StatusChange]:
    """Mark sessions PENDING (their exercises stay until a new set replaces them).

    Sessions already IN_PROGRESS are left alone: their job is running and will finish them.
    Returns the changes to publish once the caller has committed.
    """
    now = dt.datetime.now(dt.UTC)
    changes = []
    for session in sessions:
        if session.generation_status in (GenerationStatus.IN_PROGRESS, GenerationStatus.PENDING):
            continue
        session.generation_status = GenerationStatus.PENDING
        session.generation_error = None
        changes.append(
            StatusChange(
                session.program_id,
                session.id,
                GenerationStatus.PENDING,
                None,
                session.generation_attempts,
                now,
            )
        )
    await db.flush()
    return changes
