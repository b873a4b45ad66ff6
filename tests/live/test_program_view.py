"""One view per watched program in memory: read once, kept current by events, dropped at the end."""

from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from models import GenerationStatus
from services.live import program_view
from services.live.status_hub import StatusHub
from services.live.status_log import program_snapshot
from services.live.status_watch import watch_program
from services.unit_of_work import UnitOfWorkFactory
from tests.factories import change_status, make_program_with_sessions
from tests.watching import next_events

Factory = async_sessionmaker[AsyncSession]
S = GenerationStatus


@contextmanager
def counting_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_thirty_watchers_of_a_program_read_its_state_once(
    session_factory: Factory, units: UnitOfWorkFactory, hub: StatusHub, engine: AsyncEngine
) -> None:
    program_id, sessions = await make_program_with_sessions(session_factory, weeks=2, days_per_week=3)
    await change_status(units, sessions[0], S.COMPLETE)
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(watch_program(hub, session_factory, program_id, None))
        with counting_statements(engine) as statements:
            others = [
                await stack.enter_async_context(watch_program(hub, session_factory, program_id, None))
                for _ in range(29)
            ]
        assert statements == [] and hub.views_loaded == 1
        for watch in [first, *others]:
            assert watch.snapshot is not None and watch.snapshot.seq == 1
            assert [e.status for e in watch.snapshot.sessions] == [S.COMPLETE] + [S.PENDING] * 5
    assert hub.watched_programs == 0  # the last one left: the view is dropped
    async with watch_program(hub, session_factory, program_id, None):
        assert hub.views_loaded == 2


async def test_the_view_follows_the_log_and_serves_recent_resumes_from_memory(
    session_factory: Factory, units: UnitOfWorkFactory, hub: StatusHub, engine: AsyncEngine
) -> None:
    program_id, sessions = await make_program_with_sessions(session_factory, weeks=1, days_per_week=4)
    async with watch_program(hub, session_factory, program_id, None) as keeper:  # keeps the view
        for session_id in sessions:
            await change_status(units, session_id, S.IN_PROGRESS)
        await change_status(units, sessions[2], S.FAILED, "no rack")
        await next_events(keeper, 5)  # the view has taken all five in

        with counting_statements(engine) as statements:
            async with watch_program(hub, session_factory, program_id, None) as fresh:
                assert fresh.snapshot is not None
                from_memory = fresh.snapshot
            async with watch_program(hub, session_factory, program_id, 2) as resumed:
                assert resumed.snapshot is None
                replayed = await next_events(resumed, 3)
        assert statements == []
        assert [e.seq for e in replayed] == [3, 4, 5]

        async with session_factory() as db:
            from_database = await program_snapshot(db, program_id)
        assert from_memory.seq == from_database.seq == 5
        assert [(e.session_id, e.status, e.error, e.attempt) for e in from_memory.sessions] == [
            (e.session_id, e.status, e.error, e.attempt) for e in from_database.sessions
        ]


async def test_a_resume_older_than_the_recent_events_is_read_from_the_log(
    session_factory: Factory,
    units: UnitOfWorkFactory,
    hub: StatusHub,
    engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(program_view, "RECENT_EVENTS", 2)
    program_id, sessions = await make_program_with_sessions(session_factory, weeks=1, days_per_week=4)
    async with watch_program(hub, session_factory, program_id, None) as keeper:
        for session_id in sessions:
            await change_status(units, session_id, S.COMPLETE)
        await next_events(keeper, 4)
        with counting_statements(engine) as statements:
            async with watch_program(hub, session_factory, program_id, 1) as resumed:
                replayed = await next_events(resumed, 3)
        assert [e.seq for e in replayed] == [2, 3, 4]
        assert any("FROM status_events" in s for s in statements)  # two kept, three needed
