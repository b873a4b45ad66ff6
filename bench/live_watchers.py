"""Live watchers on one API process: delivery latency, time to the initial state, memory per
connection and Redis connections, with the floor and the client's own ceiling in the same run.

A real ``main.py serve`` and one ``main.py worker`` run against a database and Redis DB of the
benchmark's own. For each case, programs are created and generated, then a separate client
process (``bench.watch_client``) opens the watchers, and the programs are regenerated through the
API (``regenerateSessions``, every session): the worker's status changes reach the watchers live.
Latency is receipt time minus the event's commit time, from a sample of the watchers. In the same
run: the floor (Redis ``XREAD`` fanned out into as many in-process queues, ``bench.fanout_floor``)
and the client's ceiling (the same client against a server that only sends, ``bench.ceiling_server``),
both at the event rate liftplan saw. A benchmark reports; it asserts no timings.

Run with: .venv/bin/python -m bench.live_watchers [--stretch] [--write]
"""

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from arq.connections import RedisSettings
from redis.asyncio import Redis
from sqlalchemy import text

from bench.common import (
    DEFAULT_DATABASE_URL,
    BenchError,
    admin_execute,
    check_dedicated,
    with_database,
)
from bench.fanout_floor import fanout_floor
from bench.watcher_processes import Client, Service, client_ceiling, cpu_seconds, redis_connections, rss
from bench.watcher_results import (
    BENCHMARKS,
    CASES,
    STRETCH,
    Case,
    Result,
    machine,
    render,
    write_benchmarks,
)
from core.database import create_engine, create_session_factory
from core.embedded_redis import free_port
from core.migrations import upgrade
from models import Role
from services.access.users import create_user
from services.library.movement_library import seed_movement_library
from web.live_groups import IDLE_RELEASE_S

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
PROGRAM = """mutation($i: CreateProgramInput!) {
  createProgram(input: $i) {
    ... on CreateProgramSuccess { program { id } }
    ... on CreateProgramError { code message }
  }
}"""
REGENERATE = """mutation($p: ID!) {
  regenerateSessions(programId: $p, includeComplete: true) { ... on RegenerateSessionsError { code message } }
}"""
FLOOR_EVENTS = 300


class Bench:
    def __init__(self, database_url: str, redis_url: str, log_dir: Path) -> None:
        self.database_url, self.redis_url, self.log_dir = database_url, redis_url, log_dir
        self.engine = create_engine(database_url, pool_size=2)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.token = ""
        self.api: Service | None = None
        self.worker: Service | None = None

    async def prepare(self) -> None:
        async with create_session_factory(self.engine)() as db, db.begin():
            await seed_movement_library(db)
            _, self.token = await create_user(db, "watch-bench@example.com", "Bench", Role.COACH)

    async def start(self, case: Case) -> None:
        """A fresh API and worker for each case: memory figures must not carry over."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            PORT=str(self.port),
            LOG_LEVEL="WARNING",
            # Every watcher comes from one address and one user here: lift the caps meant for
            # hostile clients, so that what is measured is delivery.
            MAX_CONNECTIONS_PER_ADDRESS="20000",
            MAX_SUBSCRIPTIONS_PER_USER="20000",
            MAX_SUBSCRIPTIONS_PER_PROCESS="20000",
            RATE_LIMIT_PER_MINUTE="1000000",
            WS_INIT_TIMEOUT_S="120",
        )
        self.api = Service(["main.py", "serve"], env, self.log_dir / f"api-{case.key}.log")
        print(f"API process {self.api.process.pid}, logs in {self.log_dir}", flush=True)
        self.worker = Service(["main.py", "worker"], env, self.log_dir / f"worker-{case.key}.log")
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(timeout=2) as http:
            while True:
                try:
                    if (await http.get(f"{self.base}/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or self.api.process.poll() is not None:
                    raise BenchError(f"the API did not start; see {self.api.log}")
                await asyncio.sleep(0.2)

    async def graphql(
        self, client: httpx.AsyncClient, query: str, variables: dict[str, object]
    ) -> dict[str, Any]:
        response = await client.post(
            f"{self.base}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        body: dict[str, Any] = response.json()
        if body.get("errors"):
            raise BenchError(f"GraphQL errors: {body['errors']}")
        return body

    async def create_programs(self, case: Case) -> list[str]:
        ids = []
        async with httpx.AsyncClient(timeout=60) as client:
            for n in range(case.programs):
                program = {
                    "name": f"watch bench {case.key}{n}",
                    "goal": "HYPERTROPHY",
                    "level": "INTERMEDIATE",
                    "daysPerWeek": case.days,
                    "weeks": case.weeks,
                    "minutesPerSession": 60,
                    "equipment": ["BARBELL"],
                }
                body = await self.graphql(client, PROGRAM, {"i": program})
                ids.append(body["data"]["createProgram"]["program"]["id"])
        await self.until_generated(ids, within=600)
        return ids

    async def until_generated(self, ids: list[str], within: float) -> None:
        deadline = time.monotonic() + within
        while True:
            async with self.engine.connect() as connection:
                left = await connection.scalar(
                    text(
                        "SELECT count(*) FROM sessions"
                        " WHERE program_id = ANY(:p) AND generation_status <> 'COMPLETE'"
                    ),
                    {"p": [int(i) for i in ids]},
                )
            if not left:
                return
            if time.monotonic() > deadline:
                raise BenchError(f"{left} sessions not generated after {within:.0f} s; see {self.log_dir}")
            await asyncio.sleep(0.2)

    async def log_events(self) -> int:
        async with self.engine.connect() as connection:
            return int(await connection.scalar(text("SELECT count(*) FROM status_events")) or 0)

    async def run_case(self, case: Case) -> Result:
        assert self.api is not None
        pid = self.api.process.pid
        redis_port = RedisSettings.from_dsn(self.redis_url).port
        result = Result(case)
        print(
            f"\n({case.key}) {case.label}: creating {case.programs} program(s) of {case.sessions} sessions",
            flush=True,
        )
        ids = await self.create_programs(case)
        await asyncio.sleep(1)  # let the API settle after creating the programs
        result.rss_idle = rss(pid)
        idle_redis = redis_connections(pid, redis_port)
        ws_url = self.base.replace("http://", "ws://") + "/graphql"
        client = await Client.start(ws_url, self.token, ids, case.sessions, case.watchers)
        result.ready_s = await client.ready(within=600)
        print(
            f"    {case.watchers} watchers have their initial state after {result.ready_s:.2f} s", flush=True
        )
        result.rss_connected = rss(pid)
        result.redis_connections = (idle_redis, redis_connections(pid, redis_port))

        per_program = case.watchers // case.programs
        events_before = await self.log_events()
        assert self.worker is not None
        processes = (pid, self.worker.process.pid, client.process.pid)
        cpu_before = [cpu_seconds(p) for p in processes]
        machine_before = psutil.cpu_times()
        started = time.monotonic()
        first_sampled = False
        async with httpx.AsyncClient(timeout=60) as http:
            for _round in range(case.rounds):
                for program_id in ids:
                    await self.graphql(http, REGENERATE, {"p": program_id})
                    if not first_sampled and await self.log_events() - events_before >= 100:
                        result.rss_first, first_sampled = rss(pid), True
                await self.until_generated(ids, within=600)
        events = await self.log_events() - events_before
        result.event_rate = events / (time.monotonic() - started)
        await client.until_received(events * per_program, within=600)
        result.api_cpu_s, result.worker_cpu_s, result.client_cpu_s = (
            cpu_seconds(p) - before for p, before in zip(processes, cpu_before, strict=True)
        )
        machine_after = psutil.cpu_times()
        idle = machine_after.idle - machine_before.idle
        total = sum(machine_after) - sum(machine_before)
        result.machine_busy = 100 * (1 - idle / total) if total else 0.0
        result.rss_last = rss(pid)
        result.rss_first = result.rss_first or result.rss_last
        result.latency = await client.report()
        await client.quit()
        # The server notices the closed sockets and lets go of them, then gives freed memory back
        # IDLE_RELEASE_S after the last group ended (web.idle_memory).
        await asyncio.sleep(IDLE_RELEASE_S + 3)
        result.rss_left = rss(pid)
        print(
            f"    {events} events at {result.event_rate:.0f}/s: p50 {result.latency['p50']:.1f} ms, "
            f"p99 {result.latency['p99']:.1f} ms",
            flush=True,
        )
        floor = sorted(await fanout_floor(self.redis_url, case.watchers, FLOOR_EVENTS, result.event_rate))
        result.floor = (floor[len(floor) // 2], floor[int(len(floor) * 0.99)])
        result.ceiling = await client_ceiling(case, FLOOR_EVENTS, result.event_rate)
        return result

    def stop(self) -> None:
        for service in (self.worker, self.api):
            if service is not None:
                service.stop()
        self.api = self.worker = None

    async def close(self) -> None:
        self.stop()
        await self.engine.dispose()


async def main(args: argparse.Namespace) -> list[Result]:
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL
    name = check_dedicated(database_url, redis_url)
    await admin_execute(
        database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )
    await asyncio.to_thread(upgrade, with_database(database_url, name))
    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    log_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"liftplan-watch-bench-{os.getpid()}"
    log_dir.mkdir(parents=True, exist_ok=True)
    bench = Bench(database_url, redis_url, log_dir)
    results = []
    try:
        await bench.prepare()
        for case in [*CASES, *([STRETCH] if args.stretch else [])]:
            if args.cases and case.key not in args.cases:
                continue
            await bench.start(case)
            results.append(await bench.run_case(case))
            bench.stop()
    finally:
        await bench.close()
        await redis.flushdb()
        await redis.aclose()
        if not args.keep_database:
            await admin_execute(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stretch", action="store_true", help="also 10,000 watchers (a few minutes more)")
    parser.add_argument("--write", action="store_true", help="write the table into BENCHMARKS.md")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--cases", default="", help="only these cases, e.g. AC")
    arguments = parser.parse_args()
    try:
        outcome = asyncio.run(main(arguments))
    except BenchError as exc:
        sys.exit(f"benchmark failed: {exc}")
    print("\n" + render(outcome))
    print("\nmachine: " + machine())
    if arguments.write:
        write_benchmarks(outcome, " ".join(sys.argv[1:]))
        print(f"written to {BENCHMARKS}")
