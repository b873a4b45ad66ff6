"""Regenerate sessions on request: reset them to PENDING, with their events, and queue them.

Shared by the GraphQL mutation and the JSON route, so both answer and behave the same. The reset
and its events commit together; the jobs are handed over only after that commit (and if that
fails, the sessions are PENDING and the reconciler enqueues them), so a request never loses work
between the two stores.
"""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import GenerationStatus, Session, User
from services.access.ownership import visible_program
from services.errors import InvalidInput, SessionNotFound
from services.live.status_log import StatusChange
from services.unit_of_work import UnitOfWork

MAX_SESSION_IDS = 1000


def check_session_ids(session_ids: Sequence[int] | None) -> None:
    """``InvalidInput`` for a list no request may name: empty, or longer than ``MAX_SESSION_IDS``.
    Callers check it before the rate limiter too, so a bad request costs no slot."""
    if session_ids is None:
        return
    if not session_ids:
        raise InvalidInput(
            "sessionIds must not be empty (omit it for every unfinished session)", field="sessionIds"
        )
    if len(session_ids) > MAX_SESSION_IDS:
        raise InvalidInput(f"at most {MAX_SESSION_IDS} sessionIds at once", field="sessionIds")


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
    # Locked (in id order, so two requests never deadlock): the events written below must
    # describe the rows as they commit.
    query = select(Session).where(Session.program_id == program_id).order_by(Session.id).with_for_update()
    check_session_ids(session_ids)
    if session_ids is not None:
        rows = {s.id: s for s in (await db.scalars(query.where(Session.id.in_(session_ids)))).all()}
        for session_id in session_ids:
            if session_id not in rows:
                raise SessionNotFound(session_id, field="sessionIds")
        chosen = list(rows.values())
    else:
        chosen = list((await db.scalars(query)).all())
    if not include_complete:
        chosen = [s for s in chosen if s.generation_status is not GenerationStatus.COMPLETE]
    return sorted(chosen, key=lambda s: (s.scheduled_date, s.day_index, s.id))


def reset_to_pending(uow: UnitOfWork, sessions: Sequence[Session]) -> None:
    """Mark finished sessions PENDING for a new run of generation (its attempts count from 0
    again; the exercises stay until a new set replaces them) and queue every given session.
    PENDING and IN_PROGRESS ones keep their status: a job is on them, or will be (a second enqueue
    of a queued session is a no-op)."""
    for session in sessions:
        if session.generation_status in (GenerationStatus.IN_PROGRESS, GenerationStatus.PENDING):
            continue
        session.generation_status = GenerationStatus.PENDING
        session.generation_error = None
        session.generation_attempts = 0
        uow.record(StatusChange(session.program_id, session.id, GenerationStatus.PENDING, None, 0))
    uow.enqueue(session.id for session in sessions)


async def regenerate_sessions(
    uow: UnitOfWork,
    user: User,
    program_id: int,
    session_ids: Sequence[int] | None,
    include_complete: bool,
) -> list[Session]:
    """Reset the chosen sessions (see ``sessions_to_regenerate``) and queue them; returns them."""
    chosen = await sessions_to_regenerate(uow.db, user, program_id, session_ids, include_complete)
    reset_to_pending(uow, chosen)
    return chosen
