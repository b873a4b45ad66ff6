"""A short soak: every fault at once, on a schedule, while work and watchers never stop.

Two workers and one API process (real processes), 50 watchers that resubscribe with their
cursors, programs created and sessions regenerated all along; on a schedule: a worker SIGKILLed,
Redis restarted empty, PostgreSQL restarted, a worker frozen (SIGSTOP) past the job timeout, the
other worker SIGKILLed. At the end: every session COMPLETE, or FAILED with a reason; one clean set
of exercises per session (positions 1..n); every watcher's last status per session equals the
database; nothing logged at ERROR. It prints what it injected and what it checked.

``LIFTPLAN_SOAK_S`` sets how long work and faults go on (default 100 s).
"""

import asyncio
import collections
import os
import random
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import create_session_factory
from tests.chaos import install_exercise_trigger
from tests.faults.client import GraphQLFailure, create_program, regenerate
from tests.faults.fault_support import OwnServers, coach_token, log_dir
from tests.processes import ApiProcess, ServiceProcess, service_env, worker_process
from tests.waiting import eventually
from tests.watchers import Watcher

SOAK_S = float(os.environ.get("LIFTPLAN_SOAK_S", "100"))
WATCHED_PROGRAMS, WATCHERS_EACH = 10, 5
WEEKS, DAYS = 2, 5
GENERATION_TIMEOUT_S = 2


async def _sessions(
    engine: AsyncEngine, program_ids: list[int]
) -> dict[int, dict[int, tuple[str, str | None]]]:
    """Per program: session -> (status, error)."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT program_id, id, generation_status::text, generation_error FROM sessions "
                "WHERE program_id = ANY(:p)"
            ),
            {"p": program_ids},
        )
        found: dict[int, dict[int, tuple[str, str | None]]] = collections.defaultdict(dict)
        for program_id, session_id, status, error in rows.all():
            found[program_id][session_id] = (status, error)
        return found


async def _exercise_sets(engine: AsyncEngine, program_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """Per session: exercises, distinct positions, highest position (one clean set: all equal)."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT s.id, count(e.id), count(DISTINCT e.position), coalesce(max(e.position), 0) "
                "FROM sessions s LEFT JOIN session_exercises e ON e.session_id = s.id "
                "WHERE s.program_id = ANY(:p) GROUP BY s.id"
            ),
            {"p": program_ids},
        )
        return {session_id: (n, distinct, top) for session_id, n, distinct, top in rows.all()}


@pytest.mark.timeout(SOAK_S + 420)
async def test_soak_under_every_fault(
    own_servers: OwnServers,
    own_database_url: str,
    own_redis_url: str,
    own_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    await install_exercise_trigger(create_session_factory(own_engine), "PERFORM pg_sleep(0.02);")
    env = service_env(
        own_database_url,
        own_redis_url,
        worker_poll_delay_s=0.01,
        worker_max_jobs=4,
        generation_timeout_s=GENERATION_TIMEOUT_S,
        generation_retry_base_s=0.2,
        generation_retry_max_s=1,
        reconcile_every_s=2,
        reconcile_after_s=1,
        db_idle_in_transaction_timeout_s=2,
        status_hub_poll_s=1,
        rate_limit_per_minute=100_000,
    )
    logs = log_dir(tmp_path)
    api = ApiProcess("api", env, logs).start()
    workers = {name: worker_process(f"worker-{name}", env, logs).start() for name in ("a", "b")}
    processes: list[ServiceProcess] = [api, *workers.values()]
    watchers: list[Watcher] = []
    driver: asyncio.Task[None] | None = None
    try:
        await asyncio.to_thread(api.wait_ready)
        token = await coach_token(own_engine)
        watched = [
            await create_program(api.base_url, token, weeks=WEEKS, days=DAYS) for _ in range(WATCHED_PROGRAMS)
        ]
        session_ids = {pid: sorted(s) for pid, s in (await _sessions(own_engine, watched)).items()}
        watchers = [
            Watcher(api.ws_url, token, pid, WEEKS * DAYS).start()
            for pid in watched
            for _ in range(WATCHERS_EACH)
        ]

        created: list[int] = []
        requests = collections.Counter[str]()

        async def drive() -> None:
            rng = random.Random(18)
            while True:
                try:
                    if rng.random() < 0.25:
                        created.append(await create_program(api.base_url, token, weeks=1, days=3))
                        requests["createProgram"] += 1
                    else:
                        pid = rng.choice(watched)
                        await regenerate(api.base_url, token, pid, rng.sample(session_ids[pid], 3))
                        requests["regenerateSessions"] += 1
                except GraphQLFailure as exc:  # during the faults some requests fail: count them
                    requests[f"answered {exc.code}"] += 1
                except Exception as exc:
                    requests[f"failed ({type(exc).__name__})"] += 1
                if rng.random() < 0.5:  # a network blip: a watcher resubscribes with its cursor
                    await rng.choice(watchers).reconnect()
                await asyncio.sleep(0.4)  # a client's pace between requests

        async def restart(worker: ServiceProcess) -> None:
            worker.kill()
            worker.start()

        async def freeze(worker: ServiceProcess) -> None:
            worker.signal(signal.SIGSTOP)
            await asyncio.sleep(GENERATION_TIMEOUT_S + 2 + 2)  # past arq's timeout: the fault itself
            worker.signal(signal.SIGCONT)

        async def restart_postgres() -> None:
            await asyncio.to_thread(own_servers.postgres.stop)
            await asyncio.to_thread(own_servers.postgres.start)

        schedule: list[tuple[float, str, Callable[[], Awaitable[None]]]] = [
            (0.10, "SIGKILL worker-a (started again)", lambda: restart(workers["a"])),
            (
                0.28,
                "Redis restarted empty after 3 s down",
                lambda: asyncio.to_thread(own_servers.redis.restart_empty, 3),
            ),
            (0.48, "PostgreSQL restarted (fast shutdown)", restart_postgres),
            (0.68, "SIGSTOP worker-b for 6 s (job timeout 2 s + 2 s)", lambda: freeze(workers["b"])),
            (0.85, "SIGKILL worker-b (started again)", lambda: restart(workers["b"])),
        ]
        loop = asyncio.get_running_loop()
        started = loop.time()
        driver = asyncio.create_task(drive())
        injected: list[str] = []
        for at, name, inject in schedule:
            await asyncio.sleep(max(0.0, started + at * SOAK_S - loop.time()))  # the schedule itself
            injected.append(f"{loop.time() - started:6.1f} s  {name}")
            await inject()
        await asyncio.sleep(max(0.0, started + SOAK_S - loop.time()))
        driver.cancel()
        stopped_at = time.monotonic()

        every = watched + created

        async def settled() -> dict[int, dict[int, tuple[str, str | None]]] | None:
            now = await _sessions(own_engine, every)
            states = [status for sessions in now.values() for status, _ in sessions.values()]
            return now if states and not {"PENDING", "IN_PROGRESS"} & set(states) else None

        final = await eventually(settled, timeout=240, interval=0.5, what="every session COMPLETE or FAILED")
        home = time.monotonic() - stopped_at

        failed = {
            sid: error
            for sessions in final.values()
            for sid, (status, error) in sessions.items()
            if status == "FAILED"
        }
        assert all(error for error in failed.values()), failed
        exercise_sets = await _exercise_sets(own_engine, every)
        for sessions in final.values():
            for session_id, (status, _) in sessions.items():
                n, distinct, top = exercise_sets[session_id]
                assert n == distinct == top, (session_id, n, distinct, top)
                assert status != "COMPLETE" or n >= 3, (session_id, n)

        for watcher in watchers:
            truth = {sid: status for sid, (status, _) in final[watcher.program_id].items()}

            async def agrees(w: Watcher = watcher, t: dict[int, str] = truth) -> bool:
                return w.state == t

            await eventually(agrees, timeout=60, what=f"watcher of program {watcher.program_id} right")
        right = time.monotonic() - stopped_at
        assert [w.disorder for w in watchers if w.disorder] == []

        errors = {p.name: p.lines("ERROR") for p in processes if p.lines("ERROR")}
        assert errors == {}, "\n".join(
            f"{name}: {line[:400]}" for name, lines in errors.items() for line in lines
        )
        assert all(p.alive for p in processes), [p.name for p in processes if not p.alive]

        sessions_total = sum(len(s) for s in final.values())
        events = sum(len(w.changes) for w in watchers)
        subscriptions = sum(w.subscriptions for w in watchers)
        snapshots = sum(w.snapshots for w in watchers)
        report = [
            f"soak {SOAK_S:.0f} s: injected",
            *(f"  {line}" for line in injected),
            f"requests: {dict(requests)}",
            f"checked: {len(every)} programs, {sessions_total} sessions all COMPLETE or FAILED with a reason "
            f"({len(failed)} FAILED),",
            f"  one clean set of exercises each; all home {home:.1f} s after the work stopped",
            f"checked: {len(watchers)} watchers equal to the database {right:.1f} s after; {events} changes,",
            f"  in order, once each, over {subscriptions} subscriptions ({snapshots} snapshots)",
            "checked: no process logged at ERROR; every process still running",
        ]
        print("\n" + "\n".join(report))
    finally:
        if driver is not None:
            driver.cancel()
        for watcher in watchers:
            await watcher.stop()
        for process in processes:
            process.stop()
