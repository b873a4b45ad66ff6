"""Redis only carries work: a lost queue or a killed worker never leaves a session stuck."""

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.job_queue import ArqJobQueue
from core.settings import Settings
from jobs.reconciler import Reconciler, reconcile_sessions
from models import GenerationStatus, Session, SessionExercise
from services.adapters.outages import Outages
from services.live.status_log import events_after
from services.unit_of_work import UnitOfWorkFactory
from tests.chaos import SLOW_WRITES, install_exercise_trigger, remove_exercise_trigger
from tests.factories import change_status, make_program, make_program_with_sessions
from tests.waiting import eventually
from tests.workers import enqueue_pending_program_sessions, run_worker_until_idle

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.timedelta(0)
Factory = async_sessionmaker[AsyncSession]


async def _program(factory: Factory, **overrides: object) -> int:
    async with factory() as db, db.begin():
        return (await make_program(db, **overrides)).id


async def _status_counts(factory: Factory, program_id: int) -> dict[GenerationStatus, int]:
    async with factory() as db:
        rows = await db.execute(
            select(Session.generation_status, func.count())
            .where(Session.program_id == program_id)
            .group_by(Session.generation_status)
        )
        return dict(rows.all())


async def _unfinished(factory: Factory, program_id: int) -> set[int]:
    async with factory() as db:
        rows = await db.scalars(
            select(Session.id).where(
                Session.program_id == program_id,
                Session.generation_status.in_([GenerationStatus.PENDING, GenerationStatus.IN_PROGRESS]),
            )
        )
        return set(rows.all())


async def _exercise_sets(factory: Factory, program_id: int) -> list[tuple[int, int, int]]:
    """Per session: exercises, distinct positions, max position (one clean set has all three equal)."""
    async with factory() as db:
        rows = await db.execute(
            select(
                SessionExercise.session_id,
                func.count(),
                func.count(func.distinct(SessionExercise.position)),
                func.max(SessionExercise.position),
            )
            .join(Session)
            .where(Session.program_id == program_id)
            .group_by(SessionExercise.session_id)
        )
        return [(n, distinct, top) for _, n, distinct, top in rows.all()]


async def test_queue_lost_in_redis_is_rebuilt_from_postgresql(
    session_factory: Factory,
    units: UnitOfWorkFactory,
    library: None,
    queue: ArqJobQueue,
    redis: Redis,
    job_settings: Settings,
) -> None:
    program_id = await _program(session_factory, weeks=12, days_per_week=7)
    assert len(await enqueue_pending_program_sessions(queue, session_factory, program_id)) == 84
    await redis.flushdb()  # Redis restarted empty: every queued job is gone

    report = await reconcile_sessions(units, queue, job_settings, older_than=NOW)

    assert report.stale == 84 and len(report.requeued) == 84 and report.failed == []
    await run_worker_until_idle(job_settings)
    assert await _status_counts(session_factory, program_id) == {GenerationStatus.COMPLETE: 84}


async def test_recent_and_queued_sessions_are_left_alone(
    session_factory: Factory,
    units: UnitOfWorkFactory,
    library: None,
    queue: ArqJobQueue,
    job_settings: Settings,
) -> None:
    program_id = await _program(session_factory, weeks=1, days_per_week=3)
    settings = job_settings.model_copy(update={"reconcile_after_s": 120})
    recent = await reconcile_sessions(units, queue, settings)
    assert recent.stale == 0

    await enqueue_pending_program_sessions(queue, session_factory, program_id)
    queued = await reconcile_sessions(units, queue, job_settings, older_than=NOW)
    assert (queued.stale, queued.alive, queued.requeued) == (3, 3, [])


async def test_a_session_that_never_finishes_is_failed_after_max_attempts(
    session_factory: Factory,
    units: UnitOfWorkFactory,
    library: None,
    queue: ArqJobQueue,
    job_settings: Settings,
) -> None:
    program_id = await _program(session_factory, weeks=1, days_per_week=1)
    async with session_factory() as db, db.begin():
        await db.execute(
            text(
                "UPDATE sessions SET generation_status = 'IN_PROGRESS', generation_attempts = 10 "
                "WHERE program_id = :p"
            ),
            {"p": program_id},
        )
    report = await reconcile_sessions(units, queue, job_settings, older_than=NOW)
    assert len(report.failed) == 1 and report.requeued == []
    async with session_factory() as db:
        error = await db.scalar(select(Session.generation_error).where(Session.program_id == program_id))
    assert error is not None and "gave up after 10 attempts" in error


async def test_worker_killed_mid_program_is_recovered(
    session_factory: Factory,
    units: UnitOfWorkFactory,
    library: None,
    queue: ArqJobQueue,
    database_url: str,
    redis_url: str,
    job_settings: Settings,
) -> None:
    program_id = await _program(session_factory, weeks=12, days_per_week=7)
    # Slow every write down so the kill lands while jobs are running.
    await install_exercise_trigger(session_factory, SLOW_WRITES)
    session_ids = await enqueue_pending_program_sessions(queue, session_factory, program_id)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "GENERATION_TIMEOUT_S": "1",
        "WORKER_POLL_DELAY_S": "0.01",
        "LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [sys.executable, "main.py", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    async def running_mid_program() -> list[int]:
        """Sessions whose job a worker holds right now, once some of the program is done."""
        if (await _status_counts(session_factory, program_id)).get(GenerationStatus.COMPLETE, 0) < 5:
            return []
        states = await queue.job_states(session_ids)
        return [sid for sid, state in states.items() if state.running_ttl_ms is not None]

    try:
        await eventually(running_mid_program, timeout=60, interval=0.02, what="jobs running mid-program")
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.wait(10)
    held_by_the_dead = set(await running_mid_program())
    counts = await _status_counts(session_factory, program_id)
    assert held_by_the_dead and counts.get(GenerationStatus.COMPLETE, 0) < 84, counts

    await remove_exercise_trigger(session_factory)
    settings = job_settings.model_copy(update={"generation_timeout_s": 1.0})

    async def marks_outlived_any_attempt() -> bool:
        """Every mark left by the dead worker is older than any live attempt could run (or gone)."""
        states = await queue.job_states(sorted(held_by_the_dead))
        return all(
            (age := state.running_for_s(settings.job_timeout_s)) is None or age > settings.job_timeout_s + 1
            for state in states.values()
        )

    await eventually(marks_outlived_any_attempt, timeout=60, what="the dead worker's marks aged")
    report = await reconcile_sessions(units, queue, settings, older_than=NOW)
    # Sessions whose attempt timed out before the kill wait in the queue for their retry: alive.
    assert set(report.released) <= held_by_the_dead and report.released, report
    # A job killed after its commit holds a mark on a COMPLETE session: nothing to recover there.
    left = await queue.job_states(sorted(await _unfinished(session_factory, program_id)))
    assert [sid for sid, state in left.items() if state.running_ttl_ms is not None] == []
    await run_worker_until_idle(settings)

    assert await _status_counts(session_factory, program_id) == {GenerationStatus.COMPLETE: 84}
    sets = await _exercise_sets(session_factory, program_id)
    assert len(sets) == 84 and all(n == distinct == top and n >= 3 for n, distinct, top in sets)


async def test_the_reconciler_loop_prunes_old_events_and_runs_when_a_backend_is_back(
    session_factory: Factory, units: UnitOfWorkFactory, queue: ArqJobQueue, job_settings: Settings
) -> None:
    program_id, sessions = await make_program_with_sessions(session_factory, weeks=1, days_per_week=2)
    await change_status(units, sessions[0], GenerationStatus.FAILED, "old news")
    await change_status(units, sessions[1], GenerationStatus.FAILED, "recent")
    async with session_factory() as db, db.begin():
        await db.execute(
            text("UPDATE status_events SET at = at - interval '2 days' WHERE program_id = :p AND seq = 1"),
            {"p": program_id},
        )
    outages = Outages()
    settings = job_settings.model_copy(
        update={"status_events_retention_s": 86_400, "reconcile_every_s": 3600}
    )
    reconciler = Reconciler(units, queue, settings, outages)
    reconciler.start()
    try:
        outages.database.failed(ConnectionError("gone"))
        outages.database.recovered()  # back: it runs now, not in an hour

        async def ran() -> bool:
            return reconciler.runs >= 1

        await eventually(ran, timeout=10, what="a reconciler run")
    finally:
        await reconciler.stop()
    async with session_factory() as db:
        assert [e.seq for e in await events_after(db, program_id, 0)] == [2]
