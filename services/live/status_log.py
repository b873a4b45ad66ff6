"""The status log in PostgreSQL: the one record of what happened to every session, in order.

Every status change is appended here by the transaction that makes it (``append_events`` is
called by ``UnitOfWork`` just before it commits). Each program has its own sequence: 1, 2, 3, ...
with no gaps, numbered in the order the transactions commit. That holds because appending bumps
the program's row in ``status_event_heads`` and the row lock is held until commit, so a second
writer of the same program waits for the first to commit (or roll back) before it takes its number.
Keep the append the last statement of a transaction: the lock is held from there to the commit.

The sequence number is the cursor clients resume from. Redis only carries events (see
``services.live.status_relay``); whether a cursor can be resumed is decided here, never from Redis.
"""

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import GenerationStatus

MAX_SEQ = 2**63 - 1
_LEGACY_CURSOR = re.compile(r"[0-9]+-[0-9]+")


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A change a transaction is making; it becomes a ``StatusEvent`` when appended."""

    program_id: int
    session_id: int
    status: GenerationStatus
    error: str | None
    attempt: int


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """One entry of a program's log, or (``snapshot``) one session's state at sequence ``seq``."""

    program_id: int
    session_id: int
    status: GenerationStatus
    error: str | None
    attempt: int
    at: dt.datetime
    seq: int
    snapshot: bool = False

    @property
    def cursor(self) -> str:
        return str(self.seq)


@dataclass(frozen=True)
class ProgramSnapshot:
    """Every session's state as of sequence ``seq``: the log up to ``seq`` is already in it."""

    program_id: int
    seq: int
    sessions: list[StatusEvent]


class InvalidCursor(ValueError):
    """Not a cursor this API hands out."""


def parse_cursor(cursor: str) -> int | None:
    """The sequence number in ``cursor``; None for a cursor from before the log (a Redis stream id
    such as ``1795787274413-0``), which cannot be placed in it and so gets a fresh snapshot."""
    if cursor.isascii() and cursor.isdigit():
        seq = int(cursor)
        if seq <= MAX_SEQ:
            return seq
    elif cursor.isascii() and _LEGACY_CURSOR.fullmatch(cursor):
        return None
    raise InvalidCursor(f"not a status cursor: {cursor[:40]!r} (pass the cursor of an event you received)")


_APPEND = text(
    """
    WITH head AS (
        INSERT INTO status_event_heads AS h (program_id, last_seq) VALUES (:program_id, :count)
        ON CONFLICT (program_id) DO UPDATE SET last_seq = h.last_seq + :count
        RETURNING last_seq
    )
    INSERT INTO status_events (program_id, seq, session_id, status, error, attempt)
    SELECT :program_id, head.last_seq - :count + e.ord, e.session_id, e.status, e.error, e.attempt
    FROM head, unnest(
        CAST(:session_ids AS bigint[]),
        CAST(:statuses AS generation_status[]),
        CAST(:errors AS text[]),
        CAST(:attempts AS integer[])
    ) WITH ORDINALITY AS e(session_id, status, error, attempt, ord)
    RETURNING seq, session_id, at
    """
)


async def append_events(db: AsyncSession, changes: Sequence[StatusChange]) -> list[StatusEvent]:
    """Append ``changes`` to their programs' logs (in the given order) and return the events.

    One statement per program. Programs are taken in id order so that two transactions touching
    the same programs lock their heads in the same order.
    """
    by_program: dict[int, list[StatusChange]] = defaultdict(list)
    for change in changes:
        by_program[change.program_id].append(change)
    events: list[StatusEvent] = []
    for program_id in sorted(by_program):
        batch = by_program[program_id]
        rows = await db.execute(
            _APPEND,
            {
                "program_id": program_id,
                "count": len(batch),
                "session_ids": [c.session_id for c in batch],
                "statuses": [c.status.value for c in batch],
                "errors": [c.error for c in batch],
                "attempts": [c.attempt for c in batch],
            },
        )
        numbered = sorted(rows.all())
        events.extend(
            StatusEvent(program_id, c.session_id, c.status, c.error, c.attempt, at, seq)
            for c, (seq, _session_id, at) in zip(batch, numbered, strict=True)
        )
    return events


_EVENT_COLUMNS = "program_id, session_id, status, error, attempt, at, seq"


def _event(row: Sequence[Any]) -> StatusEvent:
    """The event in a row of ``_EVENT_COLUMNS`` (a text() query: its columns are untyped)."""
    program_id, session_id, status, error, attempt, at, seq = row
    return StatusEvent(
        int(program_id), int(session_id), GenerationStatus(status), error, int(attempt), at, int(seq)
    )


async def head_seq(db: AsyncSession, program_id: int) -> int:
    """The program's last sequence number (0 before its first event)."""
    value = await db.scalar(
        text("SELECT last_seq FROM status_event_heads WHERE program_id = :p"), {"p": program_id}
    )
    return int(value or 0)


async def events_after(
    db: AsyncSession, program_id: int, after: int, *, limit: int = 1000
) -> list[StatusEvent]:
    """The program's events with sequence numbers above ``after``, oldest first, at most ``limit``."""
    rows = await db.execute(
        text(
            f"SELECT {_EVENT_COLUMNS} FROM status_events WHERE program_id = :p AND seq > :after "
            "ORDER BY seq LIMIT :limit"
        ),
        {"p": program_id, "after": after, "limit": limit},
    )
    return [_event(row) for row in rows.all()]


async def events_after_each(
    db: AsyncSession, positions: Mapping[int, int], *, limit: int = 5000
) -> list[StatusEvent]:
    """For each program, its events after the given sequence number, in one statement; ordered by
    program, then sequence (so a truncated answer is still a prefix of each program's events)."""
    if not positions:
        return []
    rows = await db.execute(
        text(
            f"SELECT {', '.join('e.' + c for c in _EVENT_COLUMNS.split(', '))} "
            "FROM unnest(CAST(:programs AS bigint[]), CAST(:afters AS bigint[])) AS w(program_id, after) "
            "JOIN status_events e ON e.program_id = w.program_id AND e.seq > w.after "
            "ORDER BY e.program_id, e.seq LIMIT :limit"
        ),
        {"programs": list(positions), "afters": list(positions.values()), "limit": limit},
    )
    return [_event(row) for row in rows.all()]


async def program_snapshot(db: AsyncSession, program_id: int) -> ProgramSnapshot:
    """Every session of the program and the log's head, read in one statement (one MVCC snapshot),
    so the states are exactly those the log describes up to the head. Calendar order."""
    rows = (
        await db.execute(
            text(
                "SELECT COALESCE((SELECT last_seq FROM status_event_heads WHERE program_id = :p), 0), "
                "s.id, s.generation_status, s.generation_error, s.generation_attempts, s.updated_at "
                "FROM sessions s JOIN microcycles m ON m.id = s.microcycle_id "
                "WHERE s.program_id = :p ORDER BY m.index, s.day_index"
            ),
            {"p": program_id},
        )
    ).all()
    seq = int(rows[0][0]) if rows else await head_seq(db, program_id)
    sessions = [
        StatusEvent(program_id, session_id, GenerationStatus(status), error, attempts, updated_at, seq, True)
        for _seq, session_id, status, error, attempts, updated_at in rows
    ]
    return ProgramSnapshot(program_id, seq, sessions)


async def claim_unrelayed(db: AsyncSession, *, limit: int) -> list[StatusEvent]:
    """Events not yet delivered to Redis, by program and sequence, locked for this transaction.

    ``SKIP LOCKED``: two relays never wait on each other; each delivers what the other is not on.
    """
    rows = await db.execute(
        text(
            f"SELECT {_EVENT_COLUMNS} FROM status_events WHERE relayed_at IS NULL "
            "ORDER BY program_id, seq LIMIT :limit FOR UPDATE SKIP LOCKED"
        ),
        {"limit": limit},
    )
    return [_event(row) for row in rows.all()]


async def mark_relayed(db: AsyncSession, positions: Iterable[tuple[int, int]]) -> None:
    """Record that these (program, sequence) events are in Redis."""
    pairs = list(positions)
    if not pairs:
        return
    await db.execute(
        text(
            "UPDATE status_events e SET relayed_at = clock_timestamp() "
            "FROM unnest(CAST(:programs AS bigint[]), CAST(:seqs AS bigint[])) AS r(program_id, seq) "
            "WHERE e.program_id = r.program_id AND e.seq = r.seq"
        ),
        {"programs": [p for p, _ in pairs], "seqs": [s for _, s in pairs]},
    )


async def prune_events(db: AsyncSession, older_than: dt.timedelta, *, batch: int = 10_000) -> int:
    """Delete up to ``batch`` events older than ``older_than``; returns how many went.

    A cursor older than what is left gets a fresh snapshot instead of a replay.
    """
    result = await db.execute(
        text(
            "DELETE FROM status_events WHERE ctid = ANY(ARRAY(SELECT ctid FROM status_events "
            "WHERE at < clock_timestamp() - CAST(:age AS interval) LIMIT :batch))"
        ),
        {"age": older_than, "batch": batch},
    )
    # A DELETE's result is a CursorResult, which has the row count; text() hides that from a checker.
    return int(cast("CursorResult[Any]", result).rowcount or 0)
