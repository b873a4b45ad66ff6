"""What a cached program view was computed from, read in one statement.

An answer about programs is still right while none of these has moved: each program's status log
head (every change of a session's status, attempts, error or exercises comes with an event: see
``services.live.status_log``), the program row's ``updated_at`` (its own fields), and the movement
library's version (bumped by a trigger on every write to ``movements``, migration 0004).
Microcycles and sessions are laid out once, when the program is created, and never edited.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from services.access.ownership import may_see

_VERSIONS = text(
    """
    SELECT (SELECT version FROM movement_library_version WHERE id = 1),
           p.id, p.owner_id, p.updated_at, COALESCE(h.last_seq, 0)
    FROM unnest(CAST(:ids AS bigint[])) AS w(id)
    JOIN programs p ON p.id = w.id
    LEFT JOIN status_event_heads h ON h.program_id = p.id
    """
)


@dataclass(frozen=True, slots=True)
class ViewVersion:
    """Hashable: equal versions mean the programs' views are unchanged."""

    library: int
    programs: tuple[tuple[int, int, str], ...]  # (program id, log head, updated_at) by program id


async def program_view_version(
    db: AsyncSession, user: User, program_ids: Sequence[int]
) -> ViewVersion | None:
    """The current version of these programs as ``user`` would see them, or None when any of them
    does not exist or is not the user's to see (their answer is an error: never cached)."""
    ids = sorted(set(program_ids))
    rows = (await db.execute(_VERSIONS, {"ids": ids})).all()
    if len(rows) != len(ids) or not rows or rows[0][0] is None:
        return None
    if not all(may_see(user, owner_id) for _library, _id, owner_id, _updated, _seq in rows):
        return None
    programs = tuple(sorted((int(pid), int(seq), updated.isoformat()) for _l, pid, _o, updated, seq in rows))
    return ViewVersion(int(rows[0][0]), programs)
