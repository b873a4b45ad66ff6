"""The ``generate_session`` task: one session; transient failures are retried for a while, never dropped.

A transient failure (PostgreSQL or Redis unreachable, a timeout, a deadlock) asks arq to run the
job again after a backoff, for as long as ``generation_retry_window_s`` since the first such
failure (noted in Redis, so it survives the retries); then the session is FAILED with the reason.
A permanent failure is recorded at once by the generator. arq's own timeout, a little above ours,
cancels the task and would drop the job: that cancellation (and a worker shutting down) is turned
into a retry here too, so only our code decides when a session has failed.
"""

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

from arq import Retry
from redis.asyncio import Redis

from core.settings import Settings
from services.adapters.outages import Outages, describe_error
from services.adapters.transient_errors import is_connection_loss, is_transient
from services.errors import NotFound
from services.generation.session_generator import UnitsOfWork, fail_session, populate_session_by_id
from services.library.movement_index import MovementIndexCache

log = logging.getLogger(__name__)

RETRYING_SINCE_PREFIX = "liftplan:retrying-since:"
STOPPING = "stopping"
"""The worker's ``ctx`` entry: an ``asyncio.Event`` set once it is shutting down (``jobs.worker``;
arq gives each job a copy of ``ctx``, so a flag must live in an object they share)."""


@dataclass(frozen=True)
class GenerationContext:
    """What ``generate_session`` needs, built once per worker (``ctx["generation"]``)."""

    settings: Settings
    units: UnitsOfWork
    redis: Redis
    outages: Outages
    movements: MovementIndexCache  # the library, drafted from and resolved against, per version


def retry_delay(settings: Settings, job_try: int) -> float:
    """Exponential backoff with +-20% jitter so many failed jobs do not return at once."""
    base = min(settings.generation_retry_max_s, settings.generation_retry_base_s * 2 ** (job_try - 1))
    return base * random.uniform(0.8, 1.2)


async def _retrying_since(redis: Redis, session_id: int, window_s: float) -> float:
    """When this session's run of transient failures began (now, if Redis cannot say)."""
    now = time.time()
    key = f"{RETRYING_SINCE_PREFIX}{session_id}"
    try:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.set(key, now, nx=True, ex=int(window_s * 2) + 60)
            pipe.get(key)
            _, since = await pipe.execute()
        return float(since) if since is not None else now
    except Exception:
        return now


async def _forget_retries(redis: Redis, session_id: int) -> None:
    try:
        await redis.delete(f"{RETRYING_SINCE_PREFIX}{session_id}")
    except Exception:
        log.debug("could not clear the retry mark of session %d", session_id, exc_info=True)


async def generate_session(ctx: dict[str, Any], session_id: int) -> str:
    gen: GenerationContext = ctx["generation"]
    job_try: int = ctx.get("job_try", 1)
    try:
        return await _generate(gen, session_id, job_try)
    except asyncio.CancelledError:
        # arq cancels the task at whatever await it is on, retry bookkeeping included; either way
        # the session is unfinished and must run again. On shutdown (``STOPPING``) arq itself
        # queues a cancelled job again, and a Retry raised here would be an exception nobody
        # reads (asyncio logs it at ERROR). On arq's own timeout it would drop the job: Retry.
        if ctx[STOPPING].is_set():
            log.info("generate_session(%d) stopped with its worker; it will run again", session_id)
            raise
        log.warning("generate_session(%d) was cut off; it will run again", session_id)
        raise Retry(defer=retry_delay(gen.settings, job_try)) from None


async def _generate(gen: GenerationContext, session_id: int, job_try: int) -> str:
    settings = gen.settings
    try:
        async with asyncio.timeout(settings.generation_timeout_s):
            # Drafted from the library in PostgreSQL (gen.movements, per version), not the YAML.
            outcome = await populate_session_by_id(gen.units, session_id, movements=gen.movements)
    except NotFound as exc:
        # Deleted since it was enqueued: nothing to record, nothing to retry.
        log.warning("generate_session(%d): %s", session_id, exc)
        return "NOT_FOUND"
    except Exception as exc:
        if is_transient(exc):
            return await _retry_or_give_up(gen, session_id, job_try, exc)
        reason = f"unexpected error: {describe_error(exc)}"
        log.error("generate_session(%d) failed: %s", session_id, reason, exc_info=True)
        return await _record_failure(gen, session_id, job_try, reason, exc)
    gen.outages.database.recovered()
    if job_try > 1:
        await _forget_retries(gen.redis, session_id)
    return outcome.skipped or outcome.status.value


async def _retry_or_give_up(gen: GenerationContext, session_id: int, job_try: int, exc: Exception) -> str:
    settings = gen.settings
    if is_connection_loss(exc):
        gen.outages.database.failed(exc)  # one WARNING per outage, not one per job and try
    since = await _retrying_since(gen.redis, session_id, settings.generation_retry_window_s)
    waited = time.time() - since
    if waited < settings.generation_retry_window_s:
        delay = retry_delay(settings, job_try)
        log.log(
            logging.INFO if is_connection_loss(exc) else logging.WARNING,
            "generate_session(%d) try %d hit a transient error, retrying in %.1f s: %s",
            session_id,
            job_try,
            delay,
            describe_error(exc),
        )
        raise Retry(defer=delay) from exc
    reason = (
        f"gave up after {waited:.0f} s of transient errors ({job_try} tries); "
        f"last error: {describe_error(exc)}"
    )
    log.error("generate_session(%d): %s", session_id, reason, exc_info=exc)
    return await _record_failure(gen, session_id, job_try, reason, exc)


async def _record_failure(
    gen: GenerationContext, session_id: int, job_try: int, reason: str, cause: Exception
) -> str:
    """FAILED with ``reason``; while the database cannot take it, the job keeps retrying until it can."""
    try:
        async with gen.units() as uow:
            await fail_session(uow, session_id, reason)
    except Exception as exc:
        if not is_transient(exc):
            raise
        if is_connection_loss(exc):
            gen.outages.database.failed(exc)
        raise Retry(defer=retry_delay(gen.settings, job_try)) from cause
    await _forget_retries(gen.redis, session_id)
    return "FAILED"
