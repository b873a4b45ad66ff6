"""SIGTERM on a worker in the middle of jobs: no new job, the running ones get the grace period to
finish, what is left is cut and runs again, and the worker exits 0 without an ERROR line."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import create_session_factory
from tests.chaos import install_exercise_trigger, remove_exercise_trigger
from tests.faults.client import create_program
from tests.faults.fault_support import coach_token, log_dir, statuses
from tests.processes import ApiProcess, ServiceProcess, service_env, worker_process
from tests.waiting import eventually

SESSIONS = 4
MAX_JOBS = 2  # two sessions run at the signal, two wait in the queue


@dataclass
class Busy:
    """A program of ``SESSIONS`` sessions, ``MAX_JOBS`` of them running (slowly) on ``worker``, in a
    database of the test's own."""

    engine: AsyncEngine
    env: dict[str, str]
    logs: Path
    program_id: int
    worker: ServiceProcess

    async def running(self) -> set[int]:
        return {
            sid
            for sid, status in (await statuses(self.engine, self.program_id)).items()
            if status == "IN_PROGRESS"
        }


async def busy_worker(
    database_url: str, redis_url: str, engine: AsyncEngine, tmp_path: Path, *, sleep_s: float, grace_s: float
) -> AsyncIterator[Busy]:
    factory = create_session_factory(engine)
    await install_exercise_trigger(
        factory, f"PERFORM pg_sleep({sleep_s});"
    )  # jobs are mid-write at the signal
    env = service_env(
        database_url,
        redis_url,
        worker_poll_delay_s=0.01,
        reconcile_every_s=60,
        worker_max_jobs=MAX_JOBS,
        worker_shutdown_grace_s=grace_s,
    )
    logs = log_dir(tmp_path)
    api = ApiProcess("api", env, logs).start()
    worker = worker_process("first", env, logs).start()
    try:
        await asyncio.to_thread(api.wait_ready)
        program_id = await create_program(api.base_url, await coach_token(engine), weeks=1, days=SESSIONS)
        busy = Busy(engine, env, logs, program_id, worker)

        async def full() -> bool:
            return len(await busy.running()) == MAX_JOBS

        await eventually(full, timeout=30, what=f"{MAX_JOBS} jobs running")
        yield busy
    finally:
        worker.stop()
        api.stop()


@pytest.fixture
async def slow_jobs_long_grace(
    own_database_url: str, own_redis_url: str, own_engine: AsyncEngine, tmp_path: Path
) -> AsyncIterator[Busy]:
    async for busy in busy_worker(
        own_database_url, own_redis_url, own_engine, tmp_path, sleep_s=2, grace_s=60
    ):
        yield busy


@pytest.fixture
async def slow_jobs_short_grace(
    own_database_url: str, own_redis_url: str, own_engine: AsyncEngine, tmp_path: Path
) -> AsyncIterator[Busy]:
    async for busy in busy_worker(
        own_database_url, own_redis_url, own_engine, tmp_path, sleep_s=5, grace_s=0.5
    ):
        yield busy


def assert_quiet_exit(worker: ServiceProcess, code: int | None) -> None:
    assert code == 0, worker.log()[-3000:]
    assert worker.lines("ERROR") == [], worker.lines("ERROR")
    assert "never retrieved" not in worker.log()


async def test_sigterm_lets_running_jobs_finish_within_the_grace_and_takes_no_new_one(
    slow_jobs_long_grace: Busy,
) -> None:
    busy = slow_jobs_long_grace
    running = await busy.running()

    code = await asyncio.to_thread(busy.worker.stop, 90)  # SIGTERM, then wait for the exit

    assert_quiet_exit(busy.worker, code)
    assert "taking no new jobs; 2 running get up to 60 s" in busy.worker.log()
    assert "the running jobs finished; stopping" in busy.worker.log()
    after = await statuses(busy.engine, busy.program_id)
    assert {sid for sid, status in after.items() if status == "COMPLETE"} == running
    assert {sid for sid, status in after.items() if status == "PENDING"} == set(after) - running


async def test_sigterm_cuts_jobs_longer_than_the_grace_and_another_worker_completes_them(
    slow_jobs_short_grace: Busy,
) -> None:
    busy = slow_jobs_short_grace

    code = await asyncio.to_thread(busy.worker.stop, 60)

    assert_quiet_exit(busy.worker, code)
    log = busy.worker.log()
    assert "2 jobs still running after the grace period are stopped; they will run again" in log
    assert log.count("stopped with its worker; it will run again") == MAX_JOBS

    await remove_exercise_trigger(create_session_factory(busy.engine))
    second = worker_process("second", busy.env, busy.logs).start()
    try:

        async def all_complete() -> bool:
            now = await statuses(busy.engine, busy.program_id)
            return len(now) == SESSIONS and set(now.values()) == {"COMPLETE"}

        # Within arq's in-progress mark of the cut-off jobs (job timeout + 10 s) and the retry.
        await eventually(all_complete, timeout=100, what="every session COMPLETE")
        assert second.lines("ERROR") == [], second.lines("ERROR")
    finally:
        second.stop()
