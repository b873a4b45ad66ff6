"""Status events fan out in memory: one Redis reader per program, however many listeners."""

import asyncio
import datetime as dt

import pytest
from redis.asyncio import Redis

from models import GenerationStatus
from services.status_changes import StatusChange
from services.status_events import (
    InvalidCursor,
    StatusEvent,
    StatusEventPublisher,
    cursor_is_resumable,
    events_after,
    latest_cursor,
)
from services.status_hub import ListenerDropped, StatusHub

PROGRAM = 4242


def _change(session_id: int, status: GenerationStatus = GenerationStatus.IN_PROGRESS) -> StatusChange:
    return StatusChange(PROGRAM, session_id, status, None, 1, dt.datetime.now(dt.UTC))


async def _take(listen: object, count: int) -> list[StatusEvent]:
    events: list[StatusEvent] = []
    async for event in listen:  # type: ignore[attr-defined]
        events.append(event)
        if len(events) == count:
            break
    return events


async def _clients(redis: Redis) -> int:
    return len(await redis.client_list())


async def _wait_joined(hub: StatusHub, expected: int) -> None:
    for _ in range(500):
        reader = hub._readers.get(PROGRAM)
        if reader is not None and len(reader.listeners) >= expected:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("listeners did not join")


async def test_fifty_listeners_share_one_reader_and_one_connection(redis: Redis, redis_url: str) -> None:
    publisher = StatusEventPublisher(redis)
    hub_client = Redis.from_url(redis_url)
    hub = StatusHub(hub_client)
    one = asyncio.create_task(_take(hub.listen(PROGRAM), 3))
    await _wait_joined(hub, 1)
    clients_with_one = await _clients(redis)

    many = [asyncio.create_task(_take(hub.listen(PROGRAM), 3)) for _ in range(49)]
    await _wait_joined(hub, 50)
    assert hub.reader_count == 1
    assert await _clients(redis) == clients_with_one

    for session_id in (1, 2, 3):
        await publisher(_change(session_id))
    results = await asyncio.wait_for(asyncio.gather(one, *many), 10)
    assert all([e.session_id for e in events] == [1, 2, 3] for events in results)
    await hub.close()
    await hub_client.aclose()


async def test_a_slow_listener_is_dropped_without_holding_up_the_others(redis: Redis, redis_url: str) -> None:
    publisher = StatusEventPublisher(redis)
    hub_client = Redis.from_url(redis_url)
    hub = StatusHub(hub_client, queue_size=5)
    slow = hub.listen(PROGRAM)
    slow_first = asyncio.create_task(anext(slow))
    fast = asyncio.create_task(_take(hub.listen(PROGRAM), 20))
    await _wait_joined(hub, 2)

    for session_id in range(1, 21):
        await publisher(_change(session_id))
        await asyncio.sleep(0.005)  # let the fast listener keep up; the slow one never reads
    assert [e.session_id for e in await asyncio.wait_for(fast, 10)] == list(range(1, 21))
    assert (await slow_first).session_id == 1
    with pytest.raises(ListenerDropped, match="fell more than 5 events behind"):
        await anext(slow)
    await hub.close()
    await hub_client.aclose()


async def test_resume_after_a_cursor_yields_exactly_the_rest(redis: Redis) -> None:
    publisher = StatusEventPublisher(redis)
    for session_id in range(1, 11):
        await publisher(_change(session_id))
    everything = await events_after(redis, PROGRAM, "0-0")
    hub = StatusHub(redis)

    rest = await asyncio.wait_for(_take(hub.listen(PROGRAM, everything[3].cursor), 6), 5)

    assert [e.session_id for e in rest] == [5, 6, 7, 8, 9, 10]
    await hub.close()


async def test_cursor_validity(redis: Redis) -> None:
    assert await cursor_is_resumable(redis, PROGRAM, "0-0")  # nothing published yet: complete
    assert not await cursor_is_resumable(redis, PROGRAM, "1700000000000-0")  # stream lost
    publisher = StatusEventPublisher(redis, maxlen=100)
    for session_id in range(1, 400):
        await publisher(_change(session_id))
    first = (await events_after(redis, PROGRAM, "0-0", count=1))[0]
    latest = await latest_cursor(redis, PROGRAM)

    assert await cursor_is_resumable(redis, PROGRAM, first.cursor, maxlen=100)
    assert await cursor_is_resumable(redis, PROGRAM, latest, maxlen=100)
    assert not await cursor_is_resumable(redis, PROGRAM, "0-0", maxlen=100)  # trimmed: gap
    ms = int(latest.split("-")[0])
    assert not await cursor_is_resumable(redis, PROGRAM, f"{ms + 60_000}-0", maxlen=100)  # future
    with pytest.raises(InvalidCursor):
        await cursor_is_resumable(redis, PROGRAM, "garbage")
    with pytest.raises(InvalidCursor):
        await events_after(redis, PROGRAM, "-5-1")


async def test_listeners_are_told_when_redis_goes_away(tmp_path: object) -> None:
    """A real Redis server stopped under the hub: every listener gets the reason, none hangs."""
    from pathlib import Path

    from core.embedded_redis import EmbeddedRedis

    server = EmbeddedRedis(Path(str(tmp_path)))
    client = Redis.from_url(server.start())
    hub = StatusHub(client)
    try:
        listeners = [hub.listen(PROGRAM) for _ in range(3)]
        pending = [asyncio.create_task(anext(listener)) for listener in listeners]
        for _ in range(500):
            reader = hub._readers.get(PROGRAM)
            if reader is not None and len(reader.listeners) == 3:
                break
            await asyncio.sleep(0.01)
        server.stop()
        for task in pending:
            with pytest.raises(ListenerDropped, match="status stream unavailable"):
                await asyncio.wait_for(task, 10)
    finally:
        server.stop()
        await hub.close()
        await client.aclose()
