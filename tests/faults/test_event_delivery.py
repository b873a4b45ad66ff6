"""Every committed event reaches every watcher, in order, once: when its writer dies before
relaying it, when Redis comes back empty, and across API processes and workers."""

import asyncio
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import create_engine, create_session_factory
from tests.chaos import install_exercise_trigger
from tests.faults.client import create_program, regenerate
from tests.faults.fault_support import OwnServers, coach_token, log_dir, statuses
from tests.processes import ROOT, ApiProcess, service_env, worker_process
from tests.waiting import eventually
from tests.watchers import Watcher


async def _event_times(engine: AsyncEngine, program_id: int) -> dict[int, tuple[str, float]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT seq, status::text, extract(epoch FROM at) FROM status_events WHERE program_id = :p"),
            {"p": program_id},
        )
        return {seq: (status, float(at)) for seq, status, at in rows.all()}


async def test_an_event_whose_writer_died_before_relaying_still_reaches_the_watcher(
    own_database_url: str, own_redis_url: str, own_engine: AsyncEngine, tmp_path: Path
) -> None:
    env = service_env(own_database_url, own_redis_url, worker_poll_delay_s=0.01)
    api = ApiProcess("api", env, log_dir(tmp_path)).start()
    await asyncio.to_thread(api.wait_ready)
    token = await coach_token(own_engine)
    program_id = await create_program(api.base_url, token, weeks=1, days=2)
    watcher = Watcher(api.ws_url, token, program_id, 2).start()
    try:
        await eventually(lambda: _true(watcher.snapshots), timeout=30, what="the first snapshot")
        with (tmp_path / "dying-worker.log").open("w") as log:
            dying = subprocess.run(
                [sys.executable, "-m", "tests.faults.die_after_commit"],
                cwd=ROOT,
                env={**env, "WORKER_MAX_JOBS": "1"},  # one job at a time: exactly one COMPLETE is committed
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=120,
            )
        assert dying.returncode == -9  # it committed its COMPLETE and was killed at once

        events = await _event_times(own_engine, program_id)
        complete = [seq for seq, (status, _) in events.items() if status == "COMPLETE"]
        assert len(complete) == 1
        seq = complete[0]

        await eventually(lambda: _true(seq in watcher.received_at), timeout=30, what="the orphaned event")
        latency = watcher.received_at[seq] - events[seq][1]
        assert watcher.disorder == []
        assert [s for s, _, _ in watcher.changes] == sorted(events)[: len(watcher.changes)]
        print(f"\nevent {seq}, (writer killed before relaying) reached the watcher {latency:.2f} s later")
        assert latency < 10
    finally:
        await watcher.stop()
        api.stop()


async def _true(value: object) -> bool:
    return bool(value)


async def test_resume_after_redis_restarted_empty_replays_exactly_from_postgresql(
    own_servers: OwnServers,
    own_database_url: str,
    own_redis_url: str,
    own_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    """Subscribe, keep the cursor, go away; the program finishes; Redis restarts empty; one new
    event; subscribe again with the old cursor: exactly the changes after it, and the view is right."""
    env = service_env(own_database_url, own_redis_url, worker_poll_delay_s=0.01)
    api = ApiProcess("api", env, log_dir(tmp_path)).start()
    worker = worker_process("worker", env, log_dir(tmp_path))
    await asyncio.to_thread(api.wait_ready)
    token = await coach_token(own_engine)
    program_id = await create_program(api.base_url, token, weeks=2, days=3)
    first = Watcher(api.ws_url, token, program_id, 6).start()
    try:
        await eventually(lambda: _true(first.snapshots), timeout=30, what="the snapshot")
    finally:
        await first.stop()
    kept_cursor, kept_state = first.cursor, dict(first.state)

    worker.start()
    try:
        await eventually(
            lambda: _all(own_engine, program_id, "COMPLETE", 6), timeout=60, what="the program finished"
        )
    finally:
        worker.stop()
    await asyncio.to_thread(own_servers.redis.restart_empty)
    [regenerated] = await regenerate(api.base_url, token, program_id, [min(kept_state)])

    second = Watcher(api.ws_url, token, program_id, 6, state=kept_state, cursor=kept_cursor).start()
    try:
        truth = await statuses(own_engine, program_id)
        await eventually(lambda: _equal(second.state, truth), timeout=30, what="the resumed view")
    finally:
        await second.stop()
    assert second.snapshots == 0 and second.disorder == []
    assert [seq for seq, _, _ in second.changes] == list(
        range(int(kept_cursor or 0) + 1, 14)
    )  # 12 + the reset
    assert truth[regenerated] == "PENDING" and list(truth.values()).count("COMPLETE") == 5
    api.stop()


async def _all(engine: AsyncEngine, program_id: int, status: str, count: int) -> bool:
    now = await statuses(engine, program_id)
    return len(now) == count and set(now.values()) == {status}


async def _equal(left: object, right: object) -> bool:
    return left == right


async def test_two_api_processes_and_two_workers_show_every_watcher_the_same_log(
    database_url: str, redis_url: str, redis: object, library: None, tmp_path: Path
) -> None:
    engine = create_engine(database_url, pool_size=2)
    await install_exercise_trigger(create_session_factory(engine), "PERFORM pg_sleep(0.03);")
    env = service_env(database_url, redis_url, worker_poll_delay_s=0.01, worker_max_jobs=3)
    apis = [ApiProcess(f"api-{n}", env, log_dir(tmp_path)).start() for n in (1, 2)]
    workers = [worker_process(f"worker-{n}", env, log_dir(tmp_path)) for n in (1, 2)]
    for api in apis:
        await asyncio.to_thread(api.wait_ready)
    token = await coach_token(engine)
    sessions = 4 * 7
    program_id = await create_program(apis[0].base_url, token, weeks=4, days=7)
    where = [apis[0].ws_url]
    watchers = [
        Watcher(apis[0].ws_url, token, program_id, sessions).start(),
        Watcher(apis[1].ws_url, token, program_id, sessions).start(),
        Watcher(lambda: where[0], token, program_id, sessions).start(),  # moves from api-1 to api-2
    ]
    try:
        await eventually(lambda: _true(all(w.snapshots for w in watchers)), timeout=30, what="snapshots")
        for worker in workers:
            worker.start()
        mover = watchers[2]
        await eventually(lambda: _true(len(mover.changes) >= 15), timeout=60, what="half the changes")
        where[0] = apis[1].ws_url
        await mover.reconnect()

        await eventually(lambda: _all(engine, program_id, "COMPLETE", sessions), timeout=120, what="all done")
        truth = await statuses(engine, program_id)
        for watcher in watchers:

            async def right(w: Watcher = watcher) -> bool:
                return await _equal(w.state, truth)

            await eventually(right, timeout=30, what="every view right")
        logs = [w.changes for w in watchers]
        assert logs[0] == logs[1] == logs[2]
        assert [seq for seq, _, _ in logs[0]] == list(range(1, 2 * sessions + 1))
        assert mover.subscriptions == 2 and all(w.disorder == [] for w in watchers)
        print(
            f"\n{len(logs[0])} events: the same, in the same order, on both API processes and across the move"
        )
    finally:
        for watcher in watchers:
            await watcher.stop()
        for process in [*apis, *workers]:
            process.stop()
        await engine.dispose()
