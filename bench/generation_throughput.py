"""Generation throughput: from program creation to its 84th COMPLETE session, per worker setup.

Run from the repository root::

    .venv/bin/python -m bench.generation_throughput

For every configuration (1 worker; 2 workers; 1 worker with arq's default 0.5 s poll delay) the
workers are started as real ``main.py worker`` subprocesses and waited for, then a 12-week x 7-day
program is created (``create_program`` in a unit of work: commit, then its jobs enqueued) ``--runs``
times, and the wall time from the start of the creation to the first and to the 84th COMPLETE
session is measured. Completion is seen as a watcher sees it, through the ``StatusHub`` (or
by polling PostgreSQL every 20 ms with ``--detect db``) and cross-checked in PostgreSQL after each
run. This is a benchmark: it reports, it asserts nothing about timings. See bench/README.md.
"""

import argparse
import asyncio
import datetime as dt
import io
import os
import platform
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import arq
from arq import create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from bench.common import (
    BETWEEN_RUNS_S,
    CONFIGS,
    DAYS_PER_WEEK,
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    EXPECTED_SESSIONS,
    SETTLE_S,
    WEEKS,
    BenchError,
    Clients,
    Config,
    RunResult,
    admin_execute,
    check_dedicated,
    prepare,
)
from bench.generation_run import run_once
from bench.report import report
from bench.worker_processes import start_workers, stop_workers, worker_env
from core.database import create_engine, create_session_factory
from core.job_queue import ArqJobQueue
from models import Equipment, Goal, Level
from services.adapters.outages import Outages
from services.adapters.redis_status_stream import StatusStream
from services.live.status_hub import StatusHub
from services.live.status_relay import StatusRelay
from services.programs.creation import ProgramSpec
from services.unit_of_work import UnitOfWorkFactory


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


async def bench(args: argparse.Namespace) -> dict[Config, list[RunResult]]:
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL
    name = check_dedicated(database_url, redis_url)
    configs = [c for c in CONFIGS if c.key in args.configs]
    print(
        f"liftplan generation throughput: {WEEKS} weeks x {DAYS_PER_WEEK} days = "
        f"{EXPECTED_SESSIONS} sessions, "
        f"{args.runs} runs per configuration, completion seen via "
        f"{'the status hub, as a watcher' if args.detect == 'stream' else 'PostgreSQL polled every 20 ms'}"
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
        factory = create_session_factory(engine)
        arq_pool = await create_pool(RedisSettings.from_dsn(redis_url))
        outages = Outages()
        relay = StatusRelay(factory, StatusStream(arq_pool), outages)
        hub = StatusHub(StatusStream(redis), factory, outages)
        relay.start()
        hub.start()
        clients = Clients(
            engine=engine,
            factory=factory,
            arq=arq_pool,
            redis=redis,
            redis_pid=int((await redis.info("server"))["process_id"]),
            hub=hub,
            relay=relay,
            units=UnitOfWorkFactory(factory, relay=relay, queue=ArqJobQueue(arq_pool)),
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
        prog=".venv/bin/python -m bench.generation_throughput", description=__doc__.split("\n")[0]
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
        help="see COMPLETE as a watcher does, via the status hub (default), or poll PostgreSQL every 20 ms",
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
