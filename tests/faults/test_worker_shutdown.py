"""SIGTERM on a worker in the middle of jobs: it exits quietly and the jobs it held run again."""

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import create_session_factory
from tests.chaos import install_exercise_trigger, remove_exercise_trigger
from tests.faults.client import create_program
from tests.faults.conftest import coach_token, log_dir, statuses
from tests.processes import ApiProcess, service_env, worker_process
from tests.waiting import eventually


async def test_sigterm_mid_jobs_exits_without_errors_and_the_jobs_run_again(
    own_database_url: str, own_redis_url: str, own_engine: AsyncEngine, tmp_path: Path
) -> None:
    factory = create_session_factory(own_engine)
    await install_exercise_trigger(factory, "PERFORM pg_sleep(0.5);")  # jobs are mid-write at the signal
    env = service_env(own_database_url, own_redis_url, worker_poll_delay_s=0.01, reconcile_every_s=60)
    api = ApiProcess("api", env, log_dir(tmp_path)).start()
    first = worker_process("first", env, log_dir(tmp_path)).start()
    second = worker_process("second", env, log_dir(tmp_path))
    try:
        await asyncio.to_thread(api.wait_ready)
        program_id = await create_program(api.base_url, await coach_token(own_engine), weeks=1, days=4)

        async def in_progress() -> bool:
            return "IN_PROGRESS" in (await statuses(own_engine, program_id)).values()

        await eventually(in_progress, timeout=30, what="a job running")
        assert await asyncio.to_thread(first.stop) == 0  # SIGTERM, then wait for the exit
        assert "stopped with its worker; it will run again" in first.log()
        assert first.lines("ERROR") == [], first.lines("ERROR")
        assert "never retrieved" not in first.log()

        await remove_exercise_trigger(factory)
        second.start()

        async def all_complete() -> bool:
            now = await statuses(own_engine, program_id)
            return len(now) == 4 and set(now.values()) == {"COMPLETE"}

        # Within arq's in-progress mark of the cut-off jobs (job timeout + 10 s) and the retry.
        await eventually(all_complete, timeout=90, what="every session COMPLETE")
        assert second.lines("ERROR") == [], second.lines("ERROR")
    finally:
        second.stop()
        first.stop()
        api.stop()
