"""The generation queue on arq: enqueue sessions, and ask what Redis knows about their jobs.

One job per session, ``generate_session(session_id)`` with job id ``generate-session:<id>``: a
second enqueue of a session that is queued or running is a no-op. Results are never kept
(python-arq issue 432), so once a job finished the session can be enqueued again.

``enqueue_generation`` writes what arq's ``enqueue_job`` writes (the pickled job under its key,
the id in the queue's sorted set) for many sessions in one round trip: a Lua script per job,
pipelined, in place of arq's WATCH/MULTI round trips per job.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from arq.connections import ArqRedis
from arq.constants import default_queue_name, in_progress_key_prefix, job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms

GENERATE_SESSION = "generate_session"
JOB_ID_PREFIX = "generate-session:"
# arq's default: a job not started within a day of being queued expires.
JOB_EXPIRES_MS = 86_400_000
# arq marks a started job in progress for (longest function timeout + 10 s); see arq.worker.
ARQ_IN_PROGRESS_MARGIN_S = 10

_ENQUEUE_IF_ABSENT = """
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('PSETEX', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
return 1
"""


def generation_job_id(session_id: int) -> str:
    return f"{JOB_ID_PREFIX}{session_id}"


@dataclass(frozen=True)
class JobState:
    queued: bool  # the job is stored (waiting, deferred for a retry, or running)
    running_ttl_ms: int | None  # a worker marked it in progress; the mark expires in this long

    def running_for_s(self, arq_timeout_s: float) -> float | None:
        """How long ago a worker started the job (arq stores no start time, only the mark's TTL)."""
        if self.running_ttl_ms is None:
            return None
        return arq_timeout_s + ARQ_IN_PROGRESS_MARGIN_S - self.running_ttl_ms / 1000


class ArqJobQueue:
    """Session generation jobs on one arq Redis pool."""

    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool
        self._enqueue = pool.register_script(_ENQUEUE_IF_ABSENT)

    async def enqueue_generation(self, session_ids: Iterable[int]) -> list[int]:
        """Queue one job per session, in order; return the ids newly queued (the others were)."""
        ids = list(dict.fromkeys(session_ids))
        if not ids:
            return []
        now = timestamp_ms()
        async with self.pool.pipeline(transaction=False) as pipe:
            for session_id in ids:
                job_id = generation_job_id(session_id)
                job = serialize_job(GENERATE_SESSION, (session_id,), {}, None, now)
                await self._enqueue(
                    keys=[job_key_prefix + job_id, result_key_prefix + job_id, default_queue_name],
                    args=[job, JOB_EXPIRES_MS, job_id, now],
                    client=pipe,
                )
            added = await pipe.execute()
        return [session_id for session_id, new in zip(ids, added, strict=True) if new]

    async def depth(self) -> int:
        """Jobs waiting in arq's queue (its sorted set), deferred retries included."""
        return int(await self.pool.zcard(default_queue_name))

    async def job_states(self, session_ids: Sequence[int]) -> dict[int, JobState]:
        """What Redis knows right now about each session's generation job."""
        if not session_ids:
            return {}
        async with self.pool.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                job_id = generation_job_id(session_id)
                pipe.exists(job_key_prefix + job_id)
                pipe.pttl(in_progress_key_prefix + job_id)
            replies = await pipe.execute()
        return {
            session_id: JobState(
                bool(replies[2 * i]), replies[2 * i + 1] if replies[2 * i + 1] >= 0 else None
            )
            for i, session_id in enumerate(session_ids)
        }

    async def release_lost_job(self, session_id: int) -> None:
        """Drop the in-progress mark of a job whose worker is gone, so another worker takes it now
        instead of after arq's in-progress timeout (python-arq issue 343)."""
        await self.pool.delete(in_progress_key_prefix + generation_job_id(session_id))
