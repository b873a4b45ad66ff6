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
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import httpx
import psutil
from arq.connections import RedisSettings
from redis.asyncio import Redis
from sqlalchemy import text

from bench.common import (
    DEFAULT_DATABASE_URL,
    ROOT,
    BenchError,
    admin_execute,
    check_dedicated,
    with_database,
)
from bench.fanout_floor import fanout_floor
from bench.report import render_table
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


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    watchers: int
    programs: int
    weeks: int
    days: int
    rounds: int  # regenerations of every program

    @property
    def sessions(self) -> int:
        return self.weeks * self.days

    @property
    def events(self) -> int:
        return self.programs * self.sessions * 3 * self.rounds  # PENDING, IN_PROGRESS, COMPLETE


CASES = (
    Case("A", "1,000 watchers of one program", 1000, 1, 12, 7, 1),
    Case("B", "1,000 watchers over 100 programs", 1000, 100, 4, 3, 3),
    Case("C", "10 watchers of one program", 10, 1, 12, 7, 1),
)
STRETCH = Case("D", "10,000 watchers over 100 programs (stretch)", 10_000, 100, 4, 3, 1)


@dataclass
class Result:
    case: Case
    ready_s: float = 0.0
    latency: dict[str, float] = field(default_factory=dict)
    floor: tuple[float, float] = (0.0, 0.0)
    ceiling: dict[str, float] = field(default_factory=dict)
    event_rate: float = 0.0
    rss_idle: int = 0
    rss_connected: int = 0
    rss_first: int = 0
    rss_last: int = 0
    rss_left: int = 0
    redis_connections: tuple[int, int] = (0, 0)  # idle, with the watchers
    # CPU seconds from the first regeneration to the last receipt: the API, the worker, the
    # watch client; and how busy the whole machine was meanwhile (all cores, 0-100%).
    api_cpu_s: float = 0.0
    worker_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    machine_busy: float = 0.0

    @property
    def cpu_by_process(self) -> tuple[float, float, float]:
        return (self.api_cpu_s, self.worker_cpu_s, self.client_cpu_s)

    @property
    def messages(self) -> int:
        """Events times the watchers of their program: what the API writes to sockets."""
        return self.case.events * (self.case.watchers // self.case.programs)

    @property
    def kb_per_connection(self) -> float:
        return (self.rss_connected - self.rss_idle) / 1024 / self.case.watchers


def rss(pid: int) -> int:
    return psutil.Process(pid).memory_info().rss


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def redis_connections(pid: int, redis_port: int) -> int:
    return sum(
        1 for c in psutil.Process(pid).net_connections("tcp") if c.raddr and c.raddr.port == redis_port
    )


class Service:
    """A ``main.py`` process of the benchmark's (its log in a temporary file)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Client:
    """A ``bench.watch_client`` process, talked to over its stdin and stdout."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.received = 0

    @classmethod
    async def start(cls, url: str, token: str, programs: list[str], sessions: int, watchers: int) -> "Client":
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.watch_client", "--url", url, "--token", token,
            "--programs", ",".join(programs), "--sessions", str(sessions), "--watchers", str(watchers),
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return cls(process)

    async def line(self, within: float) -> dict[str, object]:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), within)
        if not raw:
            raise BenchError("the watch client exited")
        message: dict[str, object] = json.loads(raw)
        if "error" in message:
            raise BenchError(f"the watch client failed: {message}")
        if "received" in message:
            self.received = int(message["received"])  # type: ignore[arg-type]
        return message

    async def ready(self, within: float) -> float:
        while "ready" not in (message := await self.line(within)):
            pass
        return float(message["ready"])  # type: ignore[arg-type]

    async def until_received(self, count: int, within: float) -> None:
        deadline = time.monotonic() + within
        while self.received < count:
            if time.monotonic() > deadline:
                raise BenchError(f"the watchers received {self.received} of {count} events in {within:.0f} s")
            await self.line(within)

    async def report(self) -> dict[str, float]:
        assert self.process.stdin is not None
        self.process.stdin.write(b"report\n")
        await self.process.stdin.drain()
        while "latency_ms" not in (message := await self.line(60)):
            pass
        return message["latency_ms"]  # type: ignore[return-value]

    async def quit(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"quit\n")
        await self.process.stdin.drain()
        try:
            await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            self.process.kill()


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
    ) -> dict[str, object]:
        response = await client.post(
            f"{self.base}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        body: dict[str, object] = response.json()
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
                ids.append(body["data"]["createProgram"]["program"]["id"])  # type: ignore[index]
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
        result.ceiling = await self.ceiling(case, result.event_rate)
        return result

    async def ceiling(self, case: Case, rate: float) -> dict[str, float]:
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.ceiling_server", "--sessions", str(case.sessions),
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert server.stdin is not None and server.stdout is not None
        try:
            port = json.loads(await asyncio.wait_for(server.stdout.readline(), 60))["port"]
            url = f"ws://127.0.0.1:{port}/graphql"
            client = await Client.start(url, "-", ["1"], case.sessions, case.watchers)
            await client.ready(within=600)
            per_socket = FLOOR_EVENTS // max(1, case.programs)
            server.stdin.write(f"emit {per_socket} {rate / case.programs}\n".encode())
            await server.stdin.drain()
            await client.until_received(per_socket * case.watchers, within=600)
            figures = await client.report()
            await client.quit()
            return figures
        finally:
            server.kill()
            await server.wait()

    def stop(self) -> None:
        for service in (self.worker, self.api):
            if service is not None:
                service.stop()
        self.api = self.worker = None

    async def close(self) -> None:
        self.stop()
        await self.engine.dispose()


def mb(value: int) -> str:
    return f"{value / 1024 / 1024:.0f}"


COLUMNS = (
    ("case", lambda r: r.case.key),
    ("watchers", lambda r: f"{r.case.watchers:,}"),
    ("programs", lambda r: str(r.case.programs)),
    ("events", lambda r: f"{r.case.events:,}"),
    ("events/s", lambda r: f"{r.event_rate:.0f}"),
    ("ready s", lambda r: f"{r.ready_s:.2f}"),
    ("p50 ms", lambda r: f"{r.latency['p50']:.0f}"),
    ("p99 ms", lambda r: f"{r.latency['p99']:.0f}"),
    ("mean ms", lambda r: f"{r.latency['mean']:.0f}"),
    ("floor p50/p99 ms", lambda r: f"{r.floor[0]:.1f} / {r.floor[1]:.1f}"),
    ("client ceiling p50/p99 ms", lambda r: f"{r.ceiling['p50']:.0f} / {r.ceiling['p99']:.0f}"),
    ("p99 / ceiling p99", lambda r: f"{r.latency['p99'] / max(r.ceiling['p99'], 0.001):.0f}x"),
    (
        "CPU s API / worker / client",
        lambda r: f"{r.api_cpu_s:.2f} / {r.worker_cpu_s:.2f} / {r.client_cpu_s:.2f}",
    ),
    ("machine busy %", lambda r: f"{r.machine_busy:.0f}"),
    ("messages", lambda r: f"{r.messages:,}"),
    ("KB/conn", lambda r: f"{r.kb_per_connection:.1f}"),
    ("RSS MB after 100 events -> end", lambda r: f"{mb(r.rss_first)} -> {mb(r.rss_last)}"),
    (
        "RSS MB idle -> watching -> left",
        lambda r: " -> ".join(mb(v) for v in (r.rss_idle, r.rss_connected, r.rss_left)),
    ),
    ("Redis conns idle/watching", lambda r: f"{r.redis_connections[0]} / {r.redis_connections[1]}"),
)


def render(results: list[Result]) -> str:
    headers = [name for name, _ in COLUMNS]
    return render_table(headers, [[cell(r) for _, cell in COLUMNS] for r in results])


def markdown(results: list[Result]) -> str:
    headers = [name for name, _ in COLUMNS]
    rows = [[cell(r) for _, cell in COLUMNS] for r in results]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


BENCHMARKS = ROOT / "BENCHMARKS.md"
START, END = "<!-- live_watchers: start -->", "<!-- live_watchers: end -->"


def write_benchmarks(results: list[Result], arguments: str) -> None:
    """Replace the table between the markers in BENCHMARKS.md (the prose around it stays)."""
    command = f".venv/bin/python -m bench.live_watchers {arguments}".strip()
    block = "\n".join(
        [
            START,
            f"Measured {dt.date.today().isoformat()} with `{command}`; machine: {machine()}.",
            "",
            markdown(results),
            END,
        ]
    )
    current = BENCHMARKS.read_text() if BENCHMARKS.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in current or END not in current:
        raise BenchError(f"{BENCHMARKS} has no {START} ... {END} markers to write between")
    before, rest = current.split(START, 1)
    after = rest.split(END, 1)[1]
    BENCHMARKS.write_text(before + block + after)


def machine() -> str:
    memory = psutil.virtual_memory().total / 1024**3
    packages = ("strawberry-graphql", "uvicorn", "websockets", "redis", "sqlalchemy", "asyncpg")
    versions = ", ".join(f"{name} {version(name)}" for name in packages)
    return f"{os.cpu_count()} cores, {memory:.0f} GiB; Python {platform.python_version()}; {versions}"


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
