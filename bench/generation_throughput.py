"""Generation throughput: from program creation to its 84th COMPLETE session, per worker setup.

Run from the repository root::

    .venv/bin/python -m bench.generation_throughput

For every configuration (1 worker; 2 workers; 1 worker with arq's default 0.5 s poll delay) the
workers are started as real ``main.py worker`` subprocesses and waited for, then a 12-week x 7-day
program is created (``create_program`` + commit + ``enqueue_pending_program_sessions``) ``--runs``
times, and the wall time from the start of the creation to the first and to the 84th COMPLETE
session is measured. Completion is seen on the program's Redis Stream through ``StatusHub`` (or
by polling PostgreSQL every 20 ms with ``--detect db``) and cross-checked in PostgreSQL after each
run. This is a benchmark: it reports, it asserts nothing about timings. See bench/README.md.
"""

import argparse
import asyncio
import contextlib
import datetime as dt
import io
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import arq
import asyncpg
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import default_queue_name, health_check_key_suffix
from redis.asyncio import Redis
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.database import create_engine, create_session_factory
from core.migrations import upgrade
from jobs.enqueue import enqueue_pending_program_sessions
from models import Equipment, GenerationStatus, Goal, Level, Role, Session, SessionExercise
from services.movement_library import seed_movement_library
from services.programs import ProgramSpec, create_program
from services.status_events import StatusEvent
from services.status_hub import StatusHub
from services.users import create_user

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/liftplan_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"

WEEKS, DAYS_PER_WEEK = 12, 7
EXPECTED_SESSIONS = WEEKS * DAYS_PER_WEEK  # 84

HEALTH_KEY = default_queue_name + health_check_key_suffix  # written by every worker's first poll
POLL_S = 0.02  # every wait below polls this often
SETTLE_S = 1.0  # after the workers are ready and the queue is empty, before the first run
# Pause between runs: at least 0.5 s so arq finishes the last run's bookkeeping, plus a random part
# as long as the longest poll delay, so that each program lands at a random point of the workers'
# poll cycle (a fixed pause would line every run up with the cycle the same way).
BETWEEN_RUNS_S = (0.5, 1.0)
WORKER_STOP_TIMEOUT_S = 30.0


class BenchError(Exception):
    """Something the benchmark needs never happened; the message says what."""


@dataclass(frozen=True)
class Config:
    key: str
    label: str
    workers: int
    poll_delay_s: float | None  # None: liftplan's default (WORKER_POLL_DELAY_S unset, 0.05 s)

    @property
    def poll_text(self) -> str:
        return "0.05 s (default)" if self.poll_delay_s is None else f"{self.poll_delay_s:g} s"


CONFIGS = (
    Config("a", "1 worker", 1, None),
    Config("b", "2 workers", 2, None),
    Config("c", "1 worker, arq poll 0.5 s", 1, 0.5),
)


# --- CPU accounting from /proc (Linux, local servers; figures are None otherwise) ------------------
#
# Other processes may share the machine (test suites with their own embedded servers, say), so
# only these are counted: the worker processes, the Redis server we use (its pid from INFO), and
# the PostgreSQL processes serving our database (its client backends and autovacuum workers) plus
# the server's shared background processes (WAL writer, checkpointer...). What the machine spent
# beyond those shows up as "other".

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
HAVE_PROC = Path("/proc/stat").exists()

PG_PIDS_SQL = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL")


def _process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of one process, None when it is not visible here."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # fields from the 3rd (state) on
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _cpu_by_pid(pids: Sequence[int]) -> dict[int, float]:
    return {pid: cpu for pid in pids if (cpu := _process_cpu_s(pid)) is not None}


def _machine_busy_s() -> float:
    """CPU seconds all cores spent busy since boot (everything but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / CLOCK_TICKS  # guest is already in user


@dataclass(frozen=True)
class CpuSample:
    workers: dict[int, float]
    postgres: dict[int, float]
    redis: dict[int, float]
    bench: float
    machine_busy_s: float
    at: float

    @staticmethod
    async def take(clients: "Clients", worker_pids: Sequence[int]) -> "CpuSample | None":
        if not HAVE_PROC:
            return None
        async with clients.factory() as db:
            pg_pids = list((await db.scalars(PG_PIDS_SQL)).all())
        postgres = _cpu_by_pid(pg_pids)
        if not postgres:  # PostgreSQL runs elsewhere (or in another PID namespace)
            return None
        return CpuSample(
            workers=_cpu_by_pid(worker_pids),
            postgres=postgres,
            redis=_cpu_by_pid([clients.redis_pid]),
            bench=time.process_time(),
            machine_busy_s=_machine_busy_s(),
            at=time.perf_counter(),
        )


def _delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two samples by the processes alive at the second (new ones from 0)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds spent during one run by process group, and by everything else on the machine."""

    workers: float
    postgres: float
    redis: float
    bench: float
    other: float
    wall: float

    @property
    def machine_busy(self) -> float:
        """Share of all cores busy (1.0 = every core busy the whole time)."""
        ours = self.workers + self.postgres + self.redis + self.bench
        return (ours + self.other) / (self.wall * (os.cpu_count() or 1)) if self.wall else 0.0

    @staticmethod
    def between(before: CpuSample | None, after: CpuSample | None) -> "CpuUse | None":
        if before is None or after is None:
            return None
        workers = _delta(before.workers, after.workers)
        postgres = _delta(before.postgres, after.postgres)
        redis = _delta(before.redis, after.redis)
        bench = after.bench - before.bench
        busy = after.machine_busy_s - before.machine_busy_s
        return CpuUse(
            workers=workers,
            postgres=postgres,
            redis=redis,
            bench=bench,
            other=max(0.0, busy - workers - postgres - redis - bench),
            wall=after.at - before.at,
        )


# --- servers, database and clients ------------------------------------------------------------------


def with_database(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


def check_dedicated(database_url: str, redis_url: str) -> str:
    """The benchmark drops its database and flushes its Redis DB: refuse to do that to others."""
    name = make_url(database_url).database or ""
    if "bench" not in name:
        raise BenchError(
            f"refusing to use database {name!r}: it is dropped at the end, so its name must contain "
            "'bench' (set BENCH_DATABASE_URL to e.g. .../liftplan_bench)"
        )
    redis_db = RedisSettings.from_dsn(redis_url).database
    if redis_db == 0:
        raise BenchError(
            "refusing to flush Redis DB 0: set BENCH_REDIS_URL to a dedicated DB, e.g. redis://host:6379/13"
        )
    return name


async def admin_execute(database_url: str, *statements: str) -> None:
    connection = await asyncpg.connect(with_database(database_url, "postgres"))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@dataclass
class Clients:
    engine: AsyncEngine
    factory: async_sessionmaker[AsyncSession]
    arq: ArqRedis
    redis: Redis
    redis_pid: int  # of the Redis server, for the CPU accounting
    hub: StatusHub

    async def close(self) -> None:
        await self.hub.close()
        await self.redis.aclose()
        await self.arq.aclose()
        await self.engine.dispose()


async def prepare(database_url: str) -> int:
    """Migrate, seed the movement library and create the programs' owner; return the owner's id."""
    await asyncio.to_thread(upgrade, database_url)  # alembic runs its own event loop
    engine = create_engine(database_url, pool_size=2)
    try:
        async with create_session_factory(engine)() as db, db.begin():
            seeded = await seed_movement_library(db)
            owner, _token = await create_user(db, "bench@example.com", "Bench", Role.COACH)
        print(f"seeded {seeded.total} movements; owner user {owner.id}")
        return owner.id
    finally:
        await engine.dispose()


# --- worker processes ------------------------------------------------------------------------------


@dataclass
class Worker:
    process: asyncio.subprocess.Process
    log_path: Path


def _open_log(path: Path) -> IO[bytes]:
    return path.open("wb")


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join("    " + line for line in text.splitlines()[-lines:]) or "    (empty log)"


def worker_env(config: Config, database_url: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url
    env["REDIS_URL"] = redis_url
    env.pop("WORKER_POLL_DELAY_S", None)  # (a) and (b) measure liftplan's default
    if config.poll_delay_s is not None:
        env["WORKER_POLL_DELAY_S"] = str(config.poll_delay_s)
    return env


async def wait_for(description: str, timeout_s: float, check: Callable[[], Awaitable[bool]]) -> None:
    """Poll ``check`` every 20 ms until it is true; fail with ``description`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout_s:g} s waiting for {description}")
        await asyncio.sleep(POLL_S)


def worker_ready(redis: Redis, worker: Worker) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        if worker.process.returncode is not None:
            raise BenchError(
                f"worker pid {worker.process.pid} exited with {worker.process.returncode} before it was "
                f"ready; the end of {worker.log_path}:\n{_log_tail(worker.log_path)}"
            )
        return bool(await redis.exists(HEALTH_KEY))

    return check


def queue_empty(pool: ArqRedis) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await pool.zcard(default_queue_name) == 0

    return check


async def start_workers(
    config: Config, clients: Clients, env: dict[str, str], log_dir: Path, timeout_s: float
) -> list[Worker]:
    """Start the workers one after another, each waited for until its first poll wrote arq's
    health-check key (after its ``on_startup`` built its engine and publisher); then let them settle."""
    workers: list[Worker] = []
    try:
        for index in range(1, config.workers + 1):
            await clients.redis.delete(HEALTH_KEY)
            log_path = log_dir / f"worker-{config.key}-{index}.log"
            log = _open_log(log_path)
            try:
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "main.py",
                    "worker",
                    cwd=ROOT,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # our SIGTERM, not the terminal's Ctrl-C, stops it
                )
            finally:
                log.close()
            worker = Worker(process, log_path)
            workers.append(worker)
            await wait_for(f"worker {index} (log {log_path})", timeout_s, worker_ready(clients.redis, worker))
        # Each worker's first poll also enqueues its start-up reconcile cron job: let it run.
        await wait_for("the start-up jobs to leave the queue", timeout_s, queue_empty(clients.arq))
        await asyncio.sleep(SETTLE_S)
    except BaseException:
        await stop_workers(workers)
        raise
    return workers


async def stop_workers(workers: Sequence[Worker]) -> None:
    """SIGTERM every worker, then wait for each; kill the ones that do not stop in time."""
    for worker in workers:
        if worker.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                worker.process.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            async with asyncio.timeout(WORKER_STOP_TIMEOUT_S):
                code = await worker.process.wait()
        except TimeoutError:
            print(f"warning: worker pid {worker.process.pid} ignored SIGTERM for 30 s; killing it")
            with contextlib.suppress(ProcessLookupError):
                worker.process.kill()
            code = await worker.process.wait()
        if code not in (0, -signal.SIGTERM):  # -15: stopped before arq installed its handler
            print(
                f"warning: worker pid {worker.process.pid} exited with {code}; "
                f"the end of {worker.log_path}:\n{_log_tail(worker.log_path)}"
            )


# --- one measured run ------------------------------------------------------------------------------


@dataclass
class Progress:
    t0: float
    count: int = 0  # sessions seen COMPLETE so far
    first_s: float | None = None
    last_s: float | None = None

    def saw_complete(self, count: int) -> None:
        now = time.perf_counter() - self.t0
        self.count = count
        if count and self.first_s is None:
            self.first_s = now
        if count >= EXPECTED_SESSIONS and self.last_s is None:
            self.last_s = now


async def watch_stream(hub: StatusHub, program_id: int, progress: Progress) -> None:
    """Count COMPLETE events on the program's stream until all sessions are complete.

    ``after="0-0"`` replays the stream from its start, so nothing is missed however late the
    listener joins (the hub deduplicates the backlog against the live fan-out by cursor)."""
    complete: set[int] = set()
    events = cast(AsyncGenerator[StatusEvent, None], hub.listen(program_id, after="0-0"))
    async with contextlib.aclosing(events):
        async for event in events:
            if event.status is GenerationStatus.COMPLETE:
                complete.add(event.session_id)
                progress.saw_complete(len(complete))
                if len(complete) >= EXPECTED_SESSIONS:
                    return
            elif event.status is GenerationStatus.FAILED:
                raise BenchError(f"session {event.session_id} FAILED: {event.error}")


async def status_counts(factory: async_sessionmaker[AsyncSession], program_id: int) -> dict[str, int]:
    async with factory() as db:
        rows = await db.execute(
            select(Session.generation_status, func.count())
            .where(Session.program_id == program_id)
            .group_by(Session.generation_status)
        )
        return {status.value: count for status, count in rows.all()}


async def watch_database(
    factory: async_sessionmaker[AsyncSession], program_id: int, progress: Progress
) -> None:
    """Poll PostgreSQL every 20 ms for the program's COMPLETE sessions."""
    while True:
        counts = await status_counts(factory, program_id)
        if counts.get(GenerationStatus.FAILED.value):
            raise BenchError(f"{counts[GenerationStatus.FAILED.value]} sessions FAILED")
        complete = counts.get(GenerationStatus.COMPLETE.value, 0)
        progress.saw_complete(complete)
        if complete >= EXPECTED_SESSIONS:
            return
        await asyncio.sleep(POLL_S)


@dataclass(frozen=True)
class RunResult:
    created_s: float  # create_program + commit + enqueue of the 84 jobs
    first_s: float
    last_s: float
    attempts: int
    cpu: CpuUse | None


async def cross_check(clients: Clients, program_id: int) -> int:
    """PostgreSQL must agree: 84 COMPLETE sessions with exercises. Return the generation attempts."""
    counts = await status_counts(clients.factory, program_id)
    async with clients.factory() as db:
        attempts = await db.scalar(
            select(func.coalesce(func.sum(Session.generation_attempts), 0)).where(
                Session.program_id == program_id
            )
        )
        empty = await db.scalar(
            select(func.count())
            .select_from(Session)
            .where(
                Session.program_id == program_id,
                ~select(SessionExercise.id).where(SessionExercise.session_id == Session.id).exists(),
            )
        )
    if counts.get(GenerationStatus.COMPLETE.value) != EXPECTED_SESSIONS or empty:
        raise BenchError(
            f"program {program_id}: the stream said {EXPECTED_SESSIONS} COMPLETE but PostgreSQL has "
            f"{counts} ({empty} sessions without exercises)"
        )
    return int(attempts or 0)


async def run_once(
    clients: Clients, spec: ProgramSpec, detect: str, timeout_s: float, worker_pids: Sequence[int]
) -> RunResult:
    cpu_before = await CpuSample.take(clients, worker_pids)
    progress = Progress(t0=time.perf_counter())
    async with clients.factory() as db, db.begin():
        program = await create_program(db, spec)
    program_id = program.id
    if detect == "stream":
        watcher = asyncio.create_task(watch_stream(clients.hub, program_id, progress))
    else:
        watcher = asyncio.create_task(watch_database(clients.factory, program_id, progress))
    try:
        queued = await enqueue_pending_program_sessions(clients.arq, clients.factory, program_id)
        created_s = time.perf_counter() - progress.t0
        if len(queued) != EXPECTED_SESSIONS:
            raise BenchError(
                f"program {program_id}: enqueued {len(queued)} jobs, expected {EXPECTED_SESSIONS}"
            )
        try:
            async with asyncio.timeout(timeout_s):
                await watcher
        except TimeoutError:
            counts = await status_counts(clients.factory, program_id)
            raise BenchError(
                f"program {program_id}: only {progress.count} of "
                f"{EXPECTED_SESSIONS} sessions reported COMPLETE after {timeout_s:g} s "
                f"(PostgreSQL: {counts}); are the workers running? see their logs"
            ) from None
    finally:
        if not watcher.done():
            watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    cpu = CpuUse.between(cpu_before, await CpuSample.take(clients, worker_pids))
    attempts = await cross_check(clients, program_id)
    assert progress.first_s is not None and progress.last_s is not None
    return RunResult(created_s, progress.first_s, progress.last_s, attempts, cpu)


async def run_config(
    config: Config,
    clients: Clients,
    urls: tuple[str, str],
    owner_id: int,
    args: argparse.Namespace,
    log_dir: Path,
) -> list[RunResult]:
    env = worker_env(config, *urls)
    print(
        f"\n({config.key}) {config.label}: starting {config.workers} worker(s), poll delay {config.poll_text}"
    )
    started = time.perf_counter()
    workers = await start_workers(config, clients, env, log_dir, args.timeout)
    print(f"    workers ready after {time.perf_counter() - started:.2f} s (incl. {SETTLE_S:g} s settle)")
    results: list[RunResult] = []
    try:
        pids = [w.process.pid for w in workers]
        for run in range(1 - args.warmup, args.runs + 1):
            spec = ProgramSpec(
                owner_id=owner_id,
                name=f"bench {config.key} run {run}",
                goal=Goal.HYPERTROPHY,
                level=Level.INTERMEDIATE,
                days_per_week=DAYS_PER_WEEK,
                weeks=WEEKS,
                minutes_per_session=60,
                equipment=frozenset(Equipment),
                start_date=dt.date(2026, 1, 5),
            )
            result = await run_once(clients, spec, args.detect, args.timeout, pids)
            if run >= 1:
                results.append(result)
            cpu = result.cpu
            cpu_text = (
                f"; CPU s: workers {cpu.workers:.2f}, postgres {cpu.postgres:.2f}, redis {cpu.redis:.2f}, "
                f"bench {cpu.bench:.2f}, other {cpu.other:.2f}; machine busy {cpu.machine_busy:.0%}"
                if cpu
                else ""
            )
            label = f"run {run}" if run >= 1 else "warm-up"
            print(
                f"    {label}: created+enqueued {result.created_s:.3f} s, "
                f"first COMPLETE {result.first_s:.3f} s, "
                f"84th COMPLETE {result.last_s:.3f} s, {result.attempts} attempts{cpu_text}"
            )
            await asyncio.sleep(random.uniform(*BETWEEN_RUNS_S))
    finally:
        await stop_workers(workers)
    return results


# --- report ----------------------------------------------------------------------------------------


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def report(results: dict[Config, list[RunResult]]) -> str:
    baseline = statistics.median(r.last_s for r in results[CONFIGS[0]]) if CONFIGS[0] in results else None
    rows: list[list[str]] = []
    cpu_rows: list[list[str]] = []
    for config, runs in results.items():
        last = [r.last_s for r in runs]
        median = statistics.median(last)
        rows.append(
            [
                f"({config.key}) {config.label}",
                str(len(runs)),
                f"{median:.3f}",
                f"{min(last):.3f}",
                f"{max(last):.3f}",
                f"{statistics.median(r.first_s for r in runs):.3f}",
                f"{EXPECTED_SESSIONS / median:.1f}",
                f"{median / baseline:.2f}x" if baseline else "-",
            ]
        )
        cpus = [r.cpu for r in runs if r.cpu is not None]
        if cpus:
            cpu_rows.append(
                [
                    f"({config.key}) {config.label}",
                    f"{statistics.median(r.created_s for r in runs):.3f}",
                    f"{statistics.median(c.workers for c in cpus):.2f}",
                    f"{statistics.median(c.postgres for c in cpus):.2f}",
                    f"{statistics.median(c.redis for c in cpus):.2f}",
                    f"{statistics.median(c.bench for c in cpus):.2f}",
                    f"{statistics.median(c.other for c in cpus):.2f}",
                    f"{statistics.median(c.machine_busy for c in cpus):.0%}",
                    f"{1000 * statistics.median(c.workers for c in cpus) / EXPECTED_SESSIONS:.1f}",
                ]
            )
    text = render_table(
        [
            "configuration",
            "runs",
            "median s",
            "min s",
            "max s",
            "1st COMPLETE s",
            "sessions/s",
            "vs (a)",
        ],
        rows,
    )
    if cpu_rows:
        text += (
            "\n\nPer run (medians): create+enqueue time, CPU seconds by process ('other': everything "
            "else on the machine), share of all cores busy\n"
        )
        text += render_table(
            [
                "configuration",
                "create+enqueue s",
                "workers CPU s",
                "postgres CPU s",
                "redis CPU s",
                "bench CPU s",
                "other CPU s",
                "machine busy",
                "worker CPU ms/session",
            ],
            cpu_rows,
        )
    return text


# --- main ------------------------------------------------------------------------------------------


async def bench(args: argparse.Namespace) -> dict[Config, list[RunResult]]:
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL
    name = check_dedicated(database_url, redis_url)
    configs = [c for c in CONFIGS if c.key in args.configs]
    print(
        f"liftplan generation throughput: {WEEKS} weeks x {DAYS_PER_WEEK} days = "
        f"{EXPECTED_SESSIONS} sessions, "
        f"{args.runs} runs per configuration, completion seen via "
        f"{'the Redis Stream (StatusHub)' if args.detect == 'stream' else 'PostgreSQL polled every 20 ms'}"
    )
    print(
        f"python {platform.python_version()}, arq {arq.VERSION}, {os.cpu_count()} CPUs; "
        f"database {make_url(database_url).render_as_string(hide_password=True)}, redis {redis_url}"
    )
    results: dict[Config, list[RunResult]] = {}
    clients: Clients | None = None
    await admin_execute(
        database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )
    try:
        owner_id = await prepare(database_url)
        redis = Redis.from_url(redis_url)
        await redis.flushdb()
        engine = create_engine(database_url, pool_size=5)
        clients = Clients(
            engine=engine,
            factory=create_session_factory(engine),
            arq=await create_pool(RedisSettings.from_dsn(redis_url)),
            redis=redis,
            redis_pid=int((await redis.info("server"))["process_id"]),
            hub=StatusHub(redis),
        )
        # The workers' logs are deleted after a good run and kept (and named) after a failure.
        log_dir = Path(tempfile.mkdtemp(prefix="liftplan-bench-"))
        try:
            for config in configs:
                results[config] = await run_config(
                    config, clients, (database_url, redis_url), owner_id, args, log_dir
                )
        except BaseException:
            print(f"worker logs kept in {log_dir}", file=sys.stderr)
            raise
        shutil.rmtree(log_dir, ignore_errors=True)
    finally:
        if clients is not None:
            await clients.redis.flushdb()
            await clients.close()
        if args.keep_database:
            print(f"kept database {name}")
        else:
            await admin_execute(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generation_throughput", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--runs", type=int, default=3, help="programs per configuration (default 3)")
    parser.add_argument(
        "--warmup",
        type=int,
        default=0,
        help="unmeasured programs per configuration before the runs (default 0: the first run "
        "includes each worker's one-off catalogue load)",
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds any one wait may take (default 120)"
    )
    parser.add_argument(
        "--configs",
        default="abc",
        help="which configurations to run, e.g. 'ab' (default 'abc'; ratios need a)",
    )
    parser.add_argument(
        "--detect",
        choices=("stream", "db"),
        default="stream",
        help="see COMPLETE on the program's Redis Stream (default) or by polling PostgreSQL every 20 ms",
    )
    parser.add_argument("--keep-database", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args(argv)
    if (
        args.runs < 1
        or args.warmup < 0
        or not set(args.configs) <= {c.key for c in CONFIGS}
        or not args.configs
    ):
        parser.error(
            "--runs must be at least 1, --warmup at least 0, and --configs a non-empty subset of 'abc'"
        )
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # progress lines show up as they happen
    try:
        results = asyncio.run(_main_with_sigterm(args))
    except BenchError as exc:
        print(f"\nbench failed: {exc}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("\nbench interrupted; workers stopped and database dropped", file=sys.stderr)
        return 130
    print()
    print(report(results))
    return 0


async def _main_with_sigterm(args: argparse.Namespace) -> dict[Config, list[RunResult]]:
    """SIGTERM cancels the benchmark like Ctrl-C does, so the clean-up still runs."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await bench(args)
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


if __name__ == "__main__":
    sys.exit(main())
