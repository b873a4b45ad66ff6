"""Enqueue session generation on arq, idempotently, after the caller's transaction committed.

The job id ``generate-session:<id>`` makes a second enqueue of a session that is queued or
running a no-op; results are never kept (python-arq issue 432), so once a job finished the
session can be enqueued again.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix, job_key_prefix
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import GenerationStatus
from services.programs import program_session_ids

GENERATE_SESSION = "generate_session"
JOB_ID_PREFIX = "generate-session:"


def generation_job_id(session_id: int) -> str:
    return f"{JOB_ID_PREFIX}{session_id}"


async def enqueue_session_generation(pool: ArqRedis, session_ids: Iterable[int]) -> list[int]:
    """Enqueue one job per session; return the ids that were newly queued (others already were)."""
    queued: list[int] = []
    for session_id in session_ids:
        job = await pool.enqueue_job(GENERATE_SESSION, session_id, _job_id=generation_job_id(session_id))
        if job is not None:
            queued.append(session_id)
    return queued


# arq marks a started job in progress for (longest function timeout + 10 s); see arq.worker.
ARQ_IN_PROGRESS_MARGIN_S = 10


@dataclass(frozen=True)
class JobState:
    queued: bool  # the job is stored (waiting, deferred for a retry, or running)
    running_ttl_ms: int | None  # a worker marked it in progress; the mark expires in this long

    def running_for_s(self, job_timeout_s: float) -> float | None:
        """How long ago a worker started the job (arq stores no start time, only the mark's TTL)."""
        if self.running_ttl_ms is None:
            return None
        return job_timeout_s + ARQ_IN_PROGRESS_MARGIN_S - self.running_ttl_ms / 1000


async def generation_job_states(pool: ArqRedis, session_ids: Sequence[int]) -> dict[int, JobState]:
    """What Redis knows right now about each session's generation job."""
    if not session_ids:
        return {}
    async with pool.pipeline(transaction=False) as pipe:
        for session_id in session_ids:
            job_id = generation_job_id(session_id)
            pipe.exists(job_key_prefix + job_id)
            pipe.pttl(in_progress_key_prefix + job_id)
        replies = await pipe.execute()
    return {
        session_id: JobState(bool(replies[2 * i]), replies[2 * i + 1] if replies[2 * i + 1] >= 0 else None)
        for i, session_id in enumerate(session_ids)
    }


async def release_lost_job(pool: ArqRedis, session_id: int) -> None:
    """Drop the in-progress mark of a job whose worker is gone, so another worker takes it now
    instead of after arq's in-progress timeout (python-arq issue 343)."""
    await pool.delete(in_progress_key_prefix + generation_job_id(session_id))


async def enqueue_pending_program_sessions(
    pool: ArqRedis, factory: async_sessionmaker[AsyncSession], program_id: int
) -> list[int]:
    """Enqueue every PENDING session of every microcycle of the program (after it was committed)."""
    async with factory() as db:
        session_ids = await program_session_ids(db, program_id, [GenerationStatus.PENDING])
    return await enqueue_session_generation(pool, session_ids)
