"""Real ``main.py worker`` subprocesses: start, wait until ready, stop."""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from arq.connections import ArqRedis
from arq.constants import default_queue_name
from redis.asyncio import Redis

from bench.common import (
    HEALTH_KEY,
    POLL_S,
    ROOT,
    SETTLE_S,
    WORKER_STOP_TIMEOUT_S,
    BenchError,
    Clients,
    Config,
)

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
    health-check key (after its ``on_startup`` built its engine and relay); then let them settle."""
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
        # Jobs left from an earlier run (or queued by a reconciler): let them run out first.
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
