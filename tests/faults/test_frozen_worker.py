"""A worker frozen (SIGSTOP) in the middle of jobs, past arq's own timeout, then thawed: its jobs
are retried, not dropped; the frozen transaction's locks do not outlive PostgreSQL's idle limit."""

import asyncio
import signal
import time
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import create_session_factory
from tests.chaos import install_exercise_trigger, remove_exercise_trigger
from tests.faults.client import create_program
from tests.faults.fault_support import coach_token, log_dir, statuses
from tests.processes import ApiProcess, service_env, worker_process
from tests.waiting import eventually

FROZEN_S = 6.0  # past arq's timeout (generation 1 s + 2 s) and PostgreSQL's idle limit (2 s)


async def test_a_worker_frozen_past_the_job_timeout_retries_its_jobs(
    own_database_url: str, own_redis_url: str, own_engine: AsyncEngine, tmp_path: Path
) -> None:
    factory = create_session_factory(own_engine)
    await install_exercise_trigger(factory, "PERFORM pg_sleep(0.3);")
    env = service_env(
        own_database_url,
        own_redis_url,
        worker_poll_delay_s=0.01,
        generation_timeout_s=1,
        generation_retry_base_s=0.1,
        generation_retry_max_s=0.5,
        db_idle_in_transaction_timeout_s=2,
        reconcile_every_s=60,  # no reconciler help: the thawed worker itself must retry
    )
    api = ApiProcess("api", env, log_dir(tmp_path)).start()
    worker = worker_process("worker", env, log_dir(tmp_path)).start()
    try:
        await asyncio.to_thread(api.wait_ready)
        program_id = await create_program(api.base_url, await coach_token(own_engine), weeks=1, days=4)

        async def in_progress() -> bool:
            return "IN_PROGRESS" in (await statuses(own_engine, program_id)).values()

        await eventually(in_progress, timeout=30, what="a job running")
        worker.signal(signal.SIGSTOP)
        await asyncio.sleep(FROZEN_S)  # the fault itself
        worker.signal(signal.SIGCONT)
        thawed = time.monotonic()
        await remove_exercise_trigger(factory)

        async def all_complete() -> bool:
            now = await statuses(own_engine, program_id)
            return len(now) == 4 and set(now.values()) == {"COMPLETE"}

        await eventually(all_complete, timeout=60, what="every session COMPLETE")
        home = time.monotonic() - thawed
        print(f"\nworker frozen {FROZEN_S:.0f} s: every session home {home:.1f} s after it thawed")
        log = worker.log()
        assert worker.alive
        assert "was cut off; it will run again" in log  # arq's timeout, turned into a retry
        assert "failed, TimeoutError" not in log  # arq never dropped a job
        assert worker.lines("ERROR") == [], worker.lines("ERROR")
    finally:
        worker.stop()
        api.stop()
