"""Resuming is exact, or it is a snapshot the watcher can tell: never silently partial."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import GenerationStatus
from services.live.status_hub import StatusHub
from services.live.status_log import StatusChange
from services.live.status_watch import watch_program
from services.programs.reads import program_session_ids
from services.unit_of_work import UnitOfWorkFactory
from tests.factories import change_status, make_program, make_program_with_sessions
from tests.watching import next_events

Factory = async_sessionmaker[AsyncSession]
S = GenerationStatus


async def _program_with_history(factory: Factory, units: UnitOfWorkFactory) -> tuple[int, list[int]]:
    """A 3-session program whose log holds 6 events: each session IN_PROGRESS, then COMPLETE."""
    program_id, sessions = await make_program_with_sessions(factory, weeks=1, days_per_week=3)
    for status in (S.IN_PROGRESS, S.COMPLETE):
        for session_id in sessions:
            await change_status(units, session_id, status)
    return program_id, sessions


async def test_a_cursor_within_the_log_replays_exactly_what_followed_it(
    session_factory: Factory, units: UnitOfWorkFactory, hub: StatusHub
) -> None:
    program_id, sessions = await _program_with_history(session_factory, units)
    async with watch_program(hub, session_factory, program_id, 2) as watch:
        assert watch.snapshot is None
        replayed = await next_events(watch, 4)
        await change_status(units, sessions[0], S.FAILED, "late")
        [live] = await next_events(watch, 1)
    assert [e.seq for e in replayed] == [3, 4, 5, 6] and not any(e.snapshot for e in replayed)
    assert (live.seq, live.status, live.error) == (7, S.FAILED, "late")


async def test_the_latest_cursor_replays_nothing_and_goes_on_live(
    session_factory: Factory, units: UnitOfWorkFactory, hub: StatusHub
) -> None:
    program_id, sessions = await _program_with_history(session_factory, units)
    async with watch_program(hub, session_factory, program_id, 6) as watch:
        assert watch.snapshot is None
        await change_status(units, sessions[1], S.PENDING)
        assert [e.seq for e in await next_events(watch, 1)] == [7]


async def test_cursors_the_log_cannot_serve_get_a_snapshot(
    session_factory: Factory, units: UnitOfWorkFactory, hub: StatusHub
) -> None:
    program_id, sessions = await _program_with_history(session_factory, units)
    async with session_factory() as db, db.begin():  # retention took the first four events
        await db.execute(
            text("DELETE FROM status_events WHERE program_id = :p AND seq <= 4"), {"p": program_id}
        )

    for cursor in (
        2,  # older than what the log keeps
        99,  # newer than the log's head: from another database, or before a restore
        None,  # a Redis stream id from before the log existed (parse_cursor gives None)
    ):
        async with watch_program(hub, session_factory, program_id, cursor) as watch:
            assert watch.snapshot is not None, cursor
            assert watch.snapshot.seq == 6
            assert [(e.session_id, e.status, e.snapshot) for e in watch.snapshot.sessions] == [
                (session_id, S.COMPLETE, True) for session_id in sessions
            ]
    async with watch_program(hub, session_factory, program_id, 4) as exact:  # 5 and 6 are still kept
        assert exact.snapshot is None and [e.seq for e in await next_events(exact, 2)] == [5, 6]


async def test_a_long_replay_is_read_in_pages_and_stays_in_order(
    session_factory: Factory, units: UnitOfWorkFactory, hub: StatusHub
) -> None:
    async with session_factory() as db, db.begin():
        program_id = (await make_program(db, weeks=52, days_per_week=7)).id
    async with session_factory() as db:
        sessions = await program_session_ids(db, program_id)
    async with units() as uow:  # 1,092 events in one transaction, as a big regeneration writes
        for status in (S.IN_PROGRESS, S.COMPLETE, S.PENDING):
            for session_id in sessions:
                uow.record(StatusChange(program_id, session_id, status, None, 1))
    async with watch_program(hub, session_factory, program_id, 10) as watch:
        events = await next_events(watch, 3 * 364 - 10)
    assert [e.seq for e in events] == list(range(11, 3 * 364 + 1))
