"""Every record a generation job logs carries its ``job_id``, ``attempt`` and ``session_id``."""

import functools
import logging
from typing import Any

from arq.typing import WorkerCoroutine

from core.log_context import bound

log = logging.getLogger(__name__)

# arq's own type of a job function, which ``arq.func`` takes (a bare Callable lacks its __qualname__).
Job = WorkerCoroutine


def in_log_context(job: Job) -> Job:
    """``job(ctx, session_id)`` with its identity bound to the log (``core.log_context``)."""

    @functools.wraps(job)
    async def run(ctx: dict[str, Any], session_id: int) -> str:
        with bound(job_id=ctx.get("job_id"), attempt=ctx.get("job_try", 1), session_id=session_id):
            log.debug("job started")
            result = await job(ctx, session_id)
            log.debug("job ended: %s", result)
            return result

    return run
