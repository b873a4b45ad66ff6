"""The ``generate_session`` task: one session, retried with backoff on transient failures."""

import asyncio
import logging
import random
from typing import Any

from arq import Retry

from core.settings import Settings
from services.errors import NotFound
from services.session_generator import mark_session_failed, populate_session_by_id
from services.transient_errors import is_transient

log = logging.getLogger(__name__)


def retry_delay(settings: Settings, job_try: int) -> float:
    """Exponential backoff with +-20% jitter so many failed jobs do not return at once."""
    base = min(settings.generation_retry_max_s, settings.generation_retry_base_s * 2 ** (job_try - 1))
    return base * random.uniform(0.8, 1.2)


async def generate_session(ctx: dict[str, Any], session_id: int) -> str:
    settings: Settings = ctx["settings"]
    factory = ctx["session_factory"]
    publish = ctx["publish_status"]
    job_try: int = ctx.get("job_try", 1)
    try:
        async with asyncio.timeout(settings.generation_timeout_s):
            outcome = await populate_session_by_id(factory, session_id, notify=publish)
    except NotFound as exc:
        # Deleted since it was enqueued: nothing to record, nothing to retry.
        log.error("generate_session(%d): %s", session_id, exc)
        return "NOT_FOUND"
    except Exception as exc:
        if not is_transient(exc):  # our own timeout (TimeoutError) counts as transient
            reason = f"unexpected error: {type(exc).__name__}: {exc}"
            log.error("generate_session(%d) failed: %s", session_id, reason, exc_info=True)
            await mark_session_failed(factory, session_id, reason, notify=publish)
            return "FAILED"
        if job_try < settings.generation_max_tries:
            delay = retry_delay(settings, job_try)
            log.warning(
                "generate_session(%d) try %d/%d hit a transient error, retrying in %.1f s: %r",
                session_id,
                job_try,
                settings.generation_max_tries,
                delay,
                exc,
            )
            raise Retry(defer=delay) from exc
        reason = f"gave up after {job_try} tries; last error: {type(exc).__name__}: {exc}"
        log.error("generate_session(%d): %s", session_id, reason, exc_info=True)
        await mark_session_failed(factory, session_id, reason, notify=publish)
        return "FAILED"
    return outcome.status.value
