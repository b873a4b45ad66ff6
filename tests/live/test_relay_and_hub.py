"""From the log to every watcher: the relay fills Redis in order, the hub passes each event on
once, in order, and whatever Redis misses (never relayed, lost, duplicated) comes from PostgreSQL."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.embedded_redis import EmbeddedRedis
from models import GenerationStatus
from services.adapters.outages import Outages
from services.adapters.redis_status_stream import STREAM_KEY, StatusStream, decode_entry
from services.live.status_hub import ListenerDropped, StatusHub
from services.live.status_log import StatusEvent, events_after
from services.live.status_relay import StatusRelay
from services.live.status_watch import watch_program
from services.unit_of_work import UnitOfWorkFactory
from tests.factories import change_status, make_program_with_sessions
from tests.watching import next_events

Factory = async_sessionmaker[AsyncSession]
S = GenerationStatus


async def _stream_entries(redis: Redis) -> list[StatusEvent]:
    return [decode_entry(fields) for _id, fields in await redis.xrange(STREAM_KEY)]


@pytest.fixture
def relay(redis: Redis, session_factory: Factory) -> StatusRelay:
    """A relay that is not started: tests call ``relay_once`` themselves."""
    return StatusRelay(session_factory, StatusStream(redis), Outages())


async def test_the_relay_delivers_each_committed_event_once_in_order(
    session_factory: Factory, units: UnitOfWorkFactory, relay: StatusRelay, redis: Redis
) -> None:
    program_id, sessions = await make_program_with_sessions(session_factory, weeks=1, days_per_week=3)
    for session_id in sessions:
        await change_status(units, session_id, S.IN_PROGRESS)
    assert await _stream_entries(redis) == []  # nothing relayed yet: the units had no relay

    assert await relay.relay_once() == (3, 3)
    assert await relay.relay_once() == (0, 0)
    await change_status(units, sessions[0], S.COMPLETE)
    assert await relay.relay_once() == (1, 1)

    entries = await _stream_entries(redis)
    assert [(e.program_id, e.seq, e.session_id, e.status) for e in entries] == [
        (program_id, 1, sessions[0], S.IN_PROGRESS),
        (program_id, 2, sessions[1], S.IN_PROGRESS),
        (program_id, 3, sessions[2], S.IN_PROGRESS),
        (program_id, 4, sessions[0], S.COMPLETE),
    ]
    async with session_factory() as db:
        unrelayed = await db.scalar(text("SELECT count(*) FROM status_events WHERE relayed_at IS NULL"))
    assert unrelayed == 0


async def test_the_stream_keeps_each_programs_order_even_when_relays_race(
    session_factory: Factory, units: UnitOfWorkFactory, redis: Redis
) -> None:
    """Append the same events out of order and twice, as racing relays might: the script appends
    only the next one for each program, so the stream holds 1, 2, 3 once each."""
    program_id, sessions = await make_program_with_sessions(session_factory, weeks=1, days_per_week=3)
    events = [await change_status(units, session_id, S.IN_PROGRESS) for session_id in sessions]
    stream = StatusStream(redis)

    assert await stream.append([events[0]]) == {program_id: 1}
    assert await stream.append([events[2]]) == {program_id: 1}  # 2 is missing: 3 waits
    assert await stream.append(events) == {program_id: 3}
    assert await stream.append(events[1:]) == {program_id: 3}  # all there already

    assert [e.seq for e in await _stream_entries(redis)] == [1, 2, 3]


async def test_fifty_watchers_of_five_programs_share_one_reader_connection(
    session_factory: Factory, units: UnitOfWorkFactory, redis: Redis, redis_url: str
) -> None:
    client = Redis.from_url(redis_url)
    hub = StatusHub(StatusStream(client), session_factory, Outages(), poll_s=60)
    hub.start()
    programs = [await make_program_with_sessions(session_factory, weeks=1, days_per_week=1) for _ in range(5)]
    try:
        async with watch_program(hub, session_factory, programs[0][0], None):
            await asyncio.sleep(0.2)  # the reader is blocked in XREAD
            clients_with_one = len(await redis.client_list())
        watches = []
        for i in range(50):
            watches.append(watch_program(hub, session_factory, programs[i % 5][0], None))
        opened = [await w.__aenter__() for w in watches]
        assert hub.watched_programs == 5
        assert len(await redis.client_list()) == clients_with_one

        relay = StatusRelay(session_factory, StatusStream(redis), Outages())
        for _program_id, (session_id,) in programs:
            await change_status(units, session_id, S.IN_PROGRESS)
        await relay.relay_once()
        received = await asyncio.gather(*(next_events(w, 1) for w in opened))
        assert all(e.program_id == programs[i % 5][0] and e.seq == 1 for i, [e] in enumerate(received))
        for w in watches:
            await w.__aexit__(None, None, None)
        assert hub.watched_programs == 0
    finally:
        await hub.close()
        await client.aclose()


async def test_events_no_relay_delivered_reach_watchers_from_postgresql(
    session_factory: Factory, units: UnitOfWorkFactory, hub: StatusHub
) -> None:
    """The writer committed and died before any relay saw its event: the hub's poll of the log
    (every 0.5 s here) delivers it anyway."""
    program_id, sessions = await make_program_with_sessions(session_factory, weeks=1, days_per_week=2)
    async with watch_program(hub, session_factory, program_id, None) as watch:
        started = asyncio.get_running_loop().time()
        await change_status(units, sessions[0], S.COMPLETE)  # no relay behind these units
        [event] = await next_events(watch, 1)
        took = asyncio.get_running_loop().time() - started
    assert (event.seq, event.session_id, event.status) == (1, sessions[0], S.COMPLETE)
    assert took < 5, took


async def test_a_gap_in_redis_is_filled_from_postgresql_and_duplicates_are_dropped(
    session_factory: Factory, units: UnitOfWorkFactory, redis: Redis, redis_url: str
) -> None:
    client = Redis.from_url(redis_url)
    hub = StatusHub(StatusStream(client), session_factory, Outages(), poll_s=60)  # no poll to help
    hub.start()
    program_id, sessions = await make_program_with_sessions(session_factory, weeks=1, days_per_week=3)
    try:
        async with watch_program(hub, session_factory, program_id, None) as watch:
            events = [await change_status(units, s, S.IN_PROGRESS) for s in sessions]
            # Redis lost event 1 and 2 (restarted empty under the relay); 3 arrives, twice.
            await redis.xadd(STREAM_KEY, _fields(events[2]))
            await redis.xadd(STREAM_KEY, _fields(events[2]))
            got = await next_events(watch, 3)
            assert [e.seq for e in got] == [1, 2, 3]
            await redis.xadd(STREAM_KEY, _fields(events[0]))  # late duplicate: dropped
            await change_status(units, sessions[0], S.COMPLETE)
            await StatusRelay(session_factory, StatusStream(redis), Outages()).relay_once()
            [fourth] = await next_events(watch, 1)
            assert (fourth.seq, fourth.status) == (4, S.COMPLETE)
    finally:
        await hub.close()
        await client.aclose()


def _fields(event: StatusEvent) -> dict[FieldT, EncodableT]:
    import json

    payload = [event.session_id, event.status.value, event.error, event.attempt, event.at.isoformat()]
    return {"p": str(event.program_id), "s": str(event.seq), "d": json.dumps(payload)}


async def test_a_watcher_that_does_not_read_is_dropped_without_holding_up_the_others(
    session_factory: Factory, units: UnitOfWorkFactory, redis: Redis, redis_url: str
) -> None:
    client = Redis.from_url(redis_url)
    hub = StatusHub(StatusStream(client), session_factory, Outages(), queue_size=5, poll_s=60)
    hub.start()
    relay = StatusRelay(session_factory, StatusStream(redis), Outages())
    program_id, sessions = await make_program_with_sessions(session_factory, weeks=4, days_per_week=5)
    try:
        async with (
            watch_program(hub, session_factory, program_id, None) as slow,
            watch_program(hub, session_factory, program_id, None) as fast,
        ):
            fast_events: list[StatusEvent] = []
            for session_id in sessions:
                await change_status(units, session_id, S.IN_PROGRESS)
                await relay.relay_once()
                fast_events += await next_events(fast, 1)
            assert [e.seq for e in fast_events] == list(range(1, 21))
            with pytest.raises(ListenerDropped, match="fell more than 5 events behind"):
                await next_events(slow, 20)
    finally:
        await hub.close()
        await client.aclose()


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[tuple[EmbeddedRedis, str]]:
    server = EmbeddedRedis(tmp_path)
    url = server.start()
    yield server, url
    server.stop()


async def test_watchers_keep_receiving_events_while_redis_is_down(
    session_factory: Factory, units: UnitOfWorkFactory, own_redis: tuple[EmbeddedRedis, str]
) -> None:
    """A real Redis server stopped under the hub and the relay: watchers are not dropped, and
    every change still reaches them, from PostgreSQL, in order."""
    server, url = own_redis
    client = Redis.from_url(url, socket_timeout=5)
    outages = Outages()
    hub = StatusHub(StatusStream(client), session_factory, outages, poll_s=60, outage_poll_s=0.2)
    relay = StatusRelay(session_factory, StatusStream(client), outages, sweep_s=0.1)
    units_with_relay = UnitOfWorkFactory(session_factory, relay=relay)
    hub.start()
    relay.start()
    program_id, sessions = await make_program_with_sessions(session_factory, weeks=1, days_per_week=6)
    try:
        async with watch_program(hub, session_factory, program_id, None) as watch:
            await change_status(units_with_relay, sessions[0], S.IN_PROGRESS)
            assert [e.seq for e in await next_events(watch, 1)] == [1]
            server.stop()
            for session_id in sessions[1:4]:
                await change_status(units_with_relay, session_id, S.IN_PROGRESS)
            assert [e.seq for e in await next_events(watch, 3)] == [2, 3, 4]
            assert outages.redis.ongoing
            server.start(port=client.connection_pool.connection_kwargs["port"])
            await change_status(units_with_relay, sessions[4], S.IN_PROGRESS)
            assert [e.seq for e in await next_events(watch, 1)] == [5]
        async with session_factory() as db:
            assert [e.seq for e in await events_after(db, program_id, 0)] == [1, 2, 3, 4, 5]
    finally:
        await hub.close()
        await relay.stop()
        await client.aclose()
