"""Floors for generation: one session's write straight through asyncpg and through the ORM, and
arq's own rate for jobs that do nothing.

Each "session transaction" writes what ``services.generation.session_generator.complete_generation`` commits
for one session: the session row updated (COMPLETE, ``generated_at``), its exercises deleted and
six inserted in one multi-row statement, and its status event appended (the
``status_event_heads`` bump and the ``status_events`` row, ``services.live.status_log``'s statement).
Drafting, the movement-name lookup and the separate IN_PROGRESS transaction are left out: this
is the database's part only. 84 of them run one after another on one connection; CPU is this
process's (the client side, what a worker spends) per transaction.

The arq floor: ``--jobs`` no-op jobs enqueued, then an in-process arq worker (poll delay 0.01 s,
liftplan's ``max_jobs`` and ``keep_result=0``) in burst mode runs them all; jobs/s from its start
to its end.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
from arq import Worker, create_pool
from arq.connections import RedisSettings
from sqlalchemy import delete, func, insert, select

from core.database import create_engine, create_session_factory
from core.settings import Settings
from models import GenerationStatus, Movement, Session, SessionExercise
from services.live.status_log import StatusChange, append_events

EXERCISES = 6


@dataclass(frozen=True)
class TxFloor:
    wall_s: float  # for all the sessions, one after another
    cpu_ms: float  # this process's CPU per transaction
    sessions: int


@dataclass(frozen=True)
class GenerationFloors:
    asyncpg: TxFloor
    orm: TxFloor
    arq_jobs_per_s: float
    arq_jobs: int


_APPEND = """
WITH head AS (
    INSERT INTO status_event_heads AS h (program_id, last_seq) VALUES ($1, 1)
    ON CONFLICT (program_id) DO UPDATE SET last_seq = h.last_seq + 1 RETURNING last_seq
)
INSERT INTO status_events (program_id, seq, session_id, status, error, attempt)
SELECT $1, head.last_seq, $2, 'COMPLETE', NULL, 1 FROM head RETURNING seq, at
"""
_UPDATE = (
    "UPDATE sessions SET generation_status = 'COMPLETE', generation_error = NULL, generated_at = now() "
    "WHERE id = $1"
)
_DELETE = "DELETE FROM session_exercises WHERE session_id = $1"
_INSERT = (
    "INSERT INTO session_exercises (session_id, position, movement_id, sets, reps_min, reps_max, "
    "target_rpe, target_percent_1rm, rest_seconds, notes) "
    "SELECT $1, p, m, 3, 6, 10, 8.0, NULL, 120, NULL FROM unnest($2::int[], $3::bigint[]) AS x(p, m)"
)


async def _targets(database_url: str, program_id: int) -> tuple[list[int], list[int]]:
    connection = await asyncpg.connect(database_url)
    try:
        sessions = [
            r[0] for r in await connection.fetch("SELECT id FROM sessions WHERE program_id = $1", program_id)
        ]
        movements = [
            r[0] for r in await connection.fetch(f"SELECT id FROM movements ORDER BY id LIMIT {EXERCISES}")
        ]
    finally:
        await connection.close()
    return sessions, movements


async def asyncpg_floor(
    database_url: str, program_id: int, session_ids: list[int], movement_ids: list[int]
) -> TxFloor:
    """One transaction per session, five prepared statements each, one connection."""
    connection = await asyncpg.connect(database_url)
    positions = list(range(1, len(movement_ids) + 1))
    try:
        for sql in (_UPDATE, _DELETE, _INSERT, _APPEND):
            await connection.prepare(sql)  # asyncpg caches the prepared statements
        cpu0, t0 = time.process_time(), time.perf_counter()
        for session_id in session_ids:
            async with connection.transaction():
                await connection.execute(_UPDATE, session_id)
                await connection.execute(_DELETE, session_id)
                await connection.execute(_INSERT, session_id, positions, movement_ids)
                await connection.fetchrow(_APPEND, program_id, session_id)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    finally:
        await connection.close()
    return TxFloor(wall, 1000 * cpu / len(session_ids), len(session_ids))


async def orm_floor(
    database_url: str, program_id: int, session_ids: list[int], movement_ids: list[int]
) -> TxFloor:
    """The same through an ``AsyncSession``, as ``complete_generation`` writes it (row locked with
    ``db.get(..., with_for_update=True)``, status event through ``services.live.status_log``)."""
    engine = create_engine(database_url, pool_size=1)
    factory = create_session_factory(engine)
    try:
        async with factory() as db:  # warm the engine: connection, type introspection, compiled cache
            await db.scalar(select(func.count()).select_from(Movement))
        cpu0, t0 = time.process_time(), time.perf_counter()
        for session_id in session_ids:
            async with factory() as db, db.begin():
                row = await db.get(Session, session_id, with_for_update=True)
                assert row is not None
                await db.execute(delete(SessionExercise).where(SessionExercise.session_id == session_id))
                await db.execute(
                    insert(SessionExercise).values(
                        [
                            {
                                "session_id": session_id, "position": position, "movement_id": movement_id,
                                "sets": 3, "reps_min": 6, "reps_max": 10, "target_rpe": 8.0,
                                "target_percent_1rm": None, "rest_seconds": 120, "notes": None,
                            }
                            for position, movement_id in enumerate(movement_ids, start=1)
                        ]
                    )
                )  # fmt: skip
                row.generation_status = GenerationStatus.COMPLETE
                row.generation_error = None
                row.generated_at = func.now()
                await db.flush()
                change = StatusChange(program_id, session_id, GenerationStatus.COMPLETE, None, 1)
                await append_events(db, [change])
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    finally:
        await engine.dispose()
    return TxFloor(wall, 1000 * cpu / len(session_ids), len(session_ids))


async def noop(ctx: dict[Any, Any], *_args: Any, **_kwargs: Any) -> None:  # arq's job shape
    return None


async def arq_floor(redis_url: str, jobs: int, timeout_s: float = 120.0) -> float:
    """No-op jobs per second through a real arq worker polling every 0.01 s."""
    settings = RedisSettings.from_dsn(redis_url)
    pool = await create_pool(settings)
    try:
        pipeline_size = 500
        for start in range(0, jobs, pipeline_size):
            await asyncio.gather(
                *(pool.enqueue_job("noop", n) for n in range(start, min(jobs, start + pipeline_size)))
            )
        worker = Worker(
            functions=[noop],
            redis_pool=pool,
            burst=True,
            poll_delay=0.01,
            max_jobs=Settings().worker_max_jobs,
            keep_result=0,
            handle_signals=False,
        )
        t0 = time.perf_counter()
        async with asyncio.timeout(timeout_s):
            await worker.main()
        elapsed = time.perf_counter() - t0
        if worker.jobs_complete < jobs:
            raise RuntimeError(f"arq floor: only {worker.jobs_complete} of {jobs} no-op jobs ran")
        await worker.close()
    finally:
        await pool.aclose()
    return jobs / elapsed


async def measure(
    database_url: str, redis_url: str, program_id: int, arq_jobs: int = 2000
) -> GenerationFloors:
    """All three floors against ``program_id``'s sessions (its exercises are overwritten)."""
    sessions, movements = await _targets(database_url, program_id)
    await asyncpg_floor(database_url, program_id, sessions[:10], movements)  # warm PostgreSQL's caches
    raw = await asyncpg_floor(database_url, program_id, sessions, movements)
    orm = await orm_floor(database_url, program_id, sessions, movements)
    rate = await arq_floor(redis_url, arq_jobs)
    return GenerationFloors(raw, orm, rate, arq_jobs)
