"""The status log in PostgreSQL: numbered per program, gap-free, in commit order, with the change."""

import asyncio
import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import GenerationStatus
from services.live.status_log import (
    InvalidCursor,
    events_after,
    head_seq,
    parse_cursor,
    program_snapshot,
    prune_events,
)
from services.unit_of_work import UnitOfWorkFactory
from tests.factories import change_status, make_program_with_sessions

Factory = async_sessionmaker[AsyncSession]
S = GenerationStatus


async def _visible_seqs(factory: Factory, program_id: int) -> list[int]:
    async with factory() as db:
        rows = await db.execute(
            text("SELECT seq FROM status_events WHERE program_id = :p ORDER BY seq"), {"p": program_id}
        )
        return [seq for (seq,) in rows.all()]


async def test_concurrent_writers_only_ever_show_a_gap_free_prefix(
    session_factory: Factory, units: UnitOfWorkFactory
) -> None:
    """Forty transactions on one program, each slowed after taking its number (a statement
    trigger sleeps while the head row is locked): at every moment a reader sees events 1..n."""
    program_id, sessions = await make_program_with_sessions(session_factory, weeks=4, days_per_week=7)
    async with session_factory() as db, db.begin():
        await db.execute(
            text(
                "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN PERFORM pg_sleep(random() * 0.02); RETURN NULL; END $$"
            )
        )
        await db.execute(
            text(
                "CREATE TRIGGER slow AFTER INSERT ON status_events FOR EACH STATEMENT EXECUTE FUNCTION slow()"
            )
        )

    observed: list[list[int]] = []

    async def observe() -> None:
        while True:
            observed.append(await _visible_seqs(session_factory, program_id))
            await asyncio.sleep(0)

    watcher = asyncio.create_task(observe())
    statuses = [S.IN_PROGRESS, S.COMPLETE, S.FAILED, S.PENDING]
    events = await asyncio.gather(
        *(change_status(units, sessions[i % len(sessions)], statuses[i % 4]) for i in range(40))
    )
    watcher.cancel()

    assert sorted(e.seq for e in events) == list(range(1, 41))
    assert len(observed) > 5
    assert all(seen == list(range(1, len(seen) + 1)) for seen in observed), observed
    async with session_factory() as db:
        assert await head_seq(db, program_id) == 40


async def test_a_later_writer_waits_for_the_earlier_one_to_commit(
    session_factory: Factory, units: UnitOfWorkFactory
) -> None:
    _, sessions = await make_program_with_sessions(session_factory, weeks=1, days_per_week=2)
    async with session_factory() as db, db.begin():  # the first append of all holds its lock 0.5 s
        await db.execute(
            text(
                "CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.seq = 1 THEN PERFORM pg_sleep(0.5); END IF; RETURN NULL; END $$"
            )
        )
        await db.execute(
            text("CREATE TRIGGER hold AFTER INSERT ON status_events FOR EACH ROW EXECUTE FUNCTION hold()")
        )
    loop = asyncio.get_running_loop()
    finished: dict[int, float] = {}

    async def write(session_id: int, delay: float) -> None:
        await asyncio.sleep(delay)
        event = await change_status(units, session_id, S.COMPLETE)
        finished[event.seq] = loop.time()

    await asyncio.gather(write(sessions[0], 0), write(sessions[1], 0.2))

    assert set(finished) == {1, 2} and finished[2] > finished[1]


async def test_a_rolled_back_change_leaves_no_event_and_no_gap(
    session_factory: Factory, units: UnitOfWorkFactory
) -> None:
    program_id, sessions = await make_program_with_sessions(session_factory, weeks=1, days_per_week=2)
    await change_status(units, sessions[0], S.IN_PROGRESS)
    with pytest.raises(RuntimeError):
        async with units() as uow:
            await uow.db.execute(
                text("UPDATE sessions SET generation_status = 'FAILED' WHERE id = :s"), {"s": sessions[1]}
            )
            raise RuntimeError("changed my mind")
    await change_status(units, sessions[1], S.COMPLETE)

    async with session_factory() as db:
        log = await events_after(db, program_id, 0)
    assert [(e.seq, e.session_id, e.status) for e in log] == [
        (1, sessions[0], S.IN_PROGRESS),
        (2, sessions[1], S.COMPLETE),
    ]


async def test_a_snapshot_is_the_state_the_log_describes_up_to_its_sequence(
    session_factory: Factory, units: UnitOfWorkFactory
) -> None:
    program_id, sessions = await make_program_with_sessions(session_factory, weeks=1, days_per_week=3)
    await change_status(units, sessions[0], S.IN_PROGRESS)
    await change_status(units, sessions[0], S.FAILED, "no barbell")
    await change_status(units, sessions[2], S.COMPLETE)

    async with session_factory() as db:
        snapshot = await program_snapshot(db, program_id)
    assert snapshot.seq == 3
    assert [(e.session_id, e.status, e.error, e.seq, e.snapshot) for e in snapshot.sessions] == [
        (sessions[0], S.FAILED, "no barbell", 3, True),
        (sessions[1], S.PENDING, None, 3, True),
        (sessions[2], S.COMPLETE, None, 3, True),
    ]


async def test_old_events_are_pruned(session_factory: Factory, units: UnitOfWorkFactory) -> None:
    program_id, sessions = await make_program_with_sessions(session_factory, weeks=1, days_per_week=2)
    await change_status(units, sessions[0], S.IN_PROGRESS)
    await change_status(units, sessions[0], S.COMPLETE)
    async with session_factory() as db, db.begin():
        await db.execute(
            text("UPDATE status_events SET at = at - interval '8 days' WHERE program_id = :p AND seq = 1"),
            {"p": program_id},
        )
    async with session_factory() as db, db.begin():
        assert await prune_events(db, dt.timedelta(days=7)) == 1
    async with session_factory() as db:
        assert [e.seq for e in await events_after(db, program_id, 0)] == [2]
        assert await head_seq(db, program_id) == 2  # numbering goes on where it was


@pytest.mark.parametrize(
    ("cursor", "expected"),
    [("0", 0), ("42", 42), (str(2**63 - 1), 2**63 - 1), ("1795787274413-0", None), ("12-3", None)],
)
def test_cursors_are_sequence_numbers_and_old_stream_ids_mean_snapshot(
    cursor: str, expected: int | None
) -> None:
    assert parse_cursor(cursor) == expected


@pytest.mark.parametrize(
    "cursor", ["", "-5", "abc", "1.5", "\uff11", str(2**63), "1-18446744073709551616x", " 4", "4\x00"]
)
def test_anything_else_is_not_a_cursor(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        parse_cursor(cursor)
