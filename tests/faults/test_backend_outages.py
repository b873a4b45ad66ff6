"""Redis or PostgreSQL stopped for real under two busy workers, an API process and a watcher.

Workers stay up and log one WARNING per outage; every session ends COMPLETE; the watcher (which
resubscribes with its cursor whenever its socket drops) ends with the database's view. Each test
prints how long after the outage ended every session was home and the watcher was right.
"""

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from core.database import create_session_factory
from tests.chaos import install_exercise_trigger
from tests.faults.client import create_program
from tests.faults.fault_support import OwnServers, coach_token, log_dir, statuses
from tests.processes import ApiProcess, ServiceProcess, service_env, worker_process
from tests.waiting import eventually
from tests.watchers import Watcher

WEEKS, DAYS = 12, 7
SESSIONS = WEEKS * DAYS


def _env(database_url: str, redis_url: str) -> dict[str, str]:
    return service_env(
        database_url,
        redis_url,
        worker_poll_delay_s=0.01,
        worker_max_jobs=2,
        generation_retry_base_s=0.2,
        generation_retry_max_s=1,
        reconcile_every_s=2,
        reconcile_after_s=1,
        status_hub_poll_s=1,
    )


async def _running(
    engine: AsyncEngine, database_url: str, redis_url: str, tmp_path: Path
) -> tuple[ApiProcess, list[ServiceProcess], str]:
    # Each write takes 0.4 s, so two workers of two jobs need about 8 s for the 84 sessions.
    await install_exercise_trigger(create_session_factory(engine), "PERFORM pg_sleep(0.4);")
    env = _env(database_url, redis_url)
    api = ApiProcess("api", env, log_dir(tmp_path)).start()
    workers = [worker_process(f"worker-{n}", env, log_dir(tmp_path)).start() for n in (1, 2)]
    await asyncio.to_thread(api.wait_ready)
    return api, workers, await coach_token(engine)


async def _home_and_right(
    engine: AsyncEngine, program_id: int, watcher: Watcher, since: float
) -> tuple[float, float]:
    """Seconds from ``since`` until every session was COMPLETE, and until the watcher agreed."""

    async def all_complete() -> dict[int, str] | None:
        now = await statuses(engine, program_id)
        return now if len(now) == SESSIONS and set(now.values()) == {"COMPLETE"} else None

    final = await eventually(all_complete, timeout=180, what="every session COMPLETE")
    home = time.monotonic() - since

    async def watcher_agrees() -> bool:
        return watcher.state == final

    await eventually(watcher_agrees, timeout=60, what="the watcher's view equal to the database")
    return home, time.monotonic() - since


def _check_logs(processes: list[ServiceProcess], backend: str) -> None:
    for process in processes:
        assert process.alive, f"{process.name} died:\n{process.log()[-3000:]}"
        assert process.lines("ERROR") == [], f"{process.name} logged errors:\n" + "\n".join(
            process.lines("ERROR")
        )
        warnings = [line for line in process.lines("WARNING") if f"{backend} unreachable" in line]
        assert 1 <= len(warnings) <= 2, f"{process.name}: one WARNING per outage expected:\n" + "\n".join(
            warnings
        )


async def _count(engine: AsyncEngine, program_id: int, status: str) -> int:
    return sum(1 for s in (await statuses(engine, program_id)).values() if s == status)


@pytest.mark.timeout(300)
async def test_redis_stopped_for_10_s_under_busy_workers_and_a_watcher(
    own_servers: OwnServers,
    own_database_url: str,
    own_redis_url: str,
    own_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    api, workers, token = await _running(own_engine, own_database_url, own_redis_url, tmp_path)
    watcher: Watcher | None = None
    try:
        program_id = await create_program(api.base_url, token, weeks=WEEKS, days=DAYS)
        watcher = Watcher(api.ws_url, token, program_id, SESSIONS).start()
        await eventually(
            lambda: _count(own_engine, program_id, "COMPLETE"), timeout=60, what="work under way"
        )

        # The outage: Redis is gone for 10 s and comes back empty (queue, stream, marks: all lost).
        await asyncio.to_thread(own_servers.redis.restart_empty, 10.0)
        back = time.monotonic()
        during = await _count(own_engine, program_id, "COMPLETE")
        home, right = await _home_and_right(own_engine, program_id, watcher, back)

        _check_logs([*workers, api], "Redis")
        assert watcher.disorder == []
        print(
            f"\nRedis 10 s outage: {during}/{SESSIONS} complete when it came back; every session home "
            f"{home:.1f} s after, watcher right {right:.1f} s after "
            f"({watcher.subscriptions} subscriptions, {watcher.snapshots} snapshots)"
        )
    finally:
        if watcher is not None:
            await watcher.stop()
        for process in [api, *workers]:
            process.stop()


@pytest.mark.timeout(300)
async def test_postgresql_stopped_for_30_s_under_busy_workers_and_a_watcher(
    own_servers: OwnServers,
    own_database_url: str,
    own_redis_url: str,
    own_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    api, workers, token = await _running(own_engine, own_database_url, own_redis_url, tmp_path)
    watcher: Watcher | None = None
    try:
        program_id = await create_program(api.base_url, token, weeks=WEEKS, days=DAYS)
        watcher = Watcher(api.ws_url, token, program_id, SESSIONS).start()
        await eventually(
            lambda: _count(own_engine, program_id, "COMPLETE"), timeout=60, what="work under way"
        )

        await asyncio.to_thread(own_servers.postgres.stop)
        await asyncio.sleep(30)  # the outage itself
        await asyncio.to_thread(own_servers.postgres.start)
        back = time.monotonic()
        home, right = await _home_and_right(own_engine, program_id, watcher, back)

        _check_logs([*workers, api], "PostgreSQL")
        assert watcher.disorder == []
        print(
            f"\nPostgreSQL 30 s outage: every session home {home:.1f} s after it came back, watcher right "
            f"{right:.1f} s after ({watcher.subscriptions} subscriptions, {watcher.snapshots} snapshots)"
        )
    finally:
        if watcher is not None:
            await watcher.stop()
        for process in [api, *workers]:
            process.stop()


async def test_requests_while_postgresql_is_down_are_answered_unavailable(
    own_servers: OwnServers,
    own_database_url: str,
    own_redis_url: str,
    own_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    """No plain-text 500, no ERROR log: a typed UNAVAILABLE with retry advice, over every door."""

    api = ApiProcess("api", _env(own_database_url, own_redis_url), log_dir(tmp_path)).start()
    try:
        await asyncio.to_thread(api.wait_ready)
        token = await coach_token(own_engine)
        program_id = await create_program(api.base_url, token, weeks=1, days=1)
        await asyncio.to_thread(own_servers.postgres.stop)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as client:
            query = await client.post("/graphql", json={"query": "{ viewer { email } }"}, headers=headers)
            rest = await client.post(f"/programs/{program_id}/regenerate-sessions", headers=headers)
        async with connect(api.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
            await ws.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
            )
            try:
                await asyncio.wait_for(ws.recv(), 10)
            except ConnectionClosed as closed:
                close_code = closed.rcvd.code if closed.rcvd else None
        await asyncio.to_thread(own_servers.postgres.start)

        assert query.status_code == 503 and query.headers["Retry-After"] == "2"  # nothing answered
        [error] = query.json()["errors"]
        assert error["extensions"]["code"] == "UNAVAILABLE" and "retry" in error["message"]
        assert rest.status_code == 503 and rest.headers["Retry-After"] == "2"
        assert rest.json()["error"]["code"] == "UNAVAILABLE"
        assert close_code == 1013  # try again later, not 4403: the token may be fine
        assert api.lines("ERROR") == [], api.lines("ERROR")
    finally:
        api.stop()
