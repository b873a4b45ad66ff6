"""Bring back sessions whose job was lost: a worker killed mid-job, or Redis restarted empty.

Runs as an arq cron job every minute on every worker (arq's cron uniqueness lets one run per
tick) and on demand with ``main.py reconcile``. For each session untouched for
``reconcile_after_s`` while PENDING or IN_PROGRESS:
- no job in Redis (queue lost): enqueue it again, or fail it once it has been attempted
  ``reconcile_max_attempts`` times, so a session that kills its worker every time cannot loop;
- its job marked running for longer than the job timeout: no live worker can still be on it
  (arq would have cancelled it), so the worker died; the mark is released and the queued job
  runs again at once instead of after arq's in-progress timeout (python-arq issue 343);
- otherwise the job is queued or running and is left alone.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from jobs.enqueue import enqueue_session_generation, generation_job_states, release_lost_job
from services.reconciliation import stale_unfinished_sessions
from services.session_generator import mark_session_failed
from services.status_changes import StatusListener

log = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    stale: int = 0
    alive: int = 0
    requeued: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


async def reconcile_sessions(
    factory: async_sessionmaker[AsyncSession],
    pool: ArqRedis,
    settings: Settings,
    *,
    notify: StatusListener | None = None,
    older_than: dt.timedelta | None = None,
) -> ReconcileReport:
    age = older_than if older_than is not None else dt.timedelta(seconds=settings.reconcile_after_s)
    async with factory() as db:
        stale = await stale_unfinished_sessions(db, age)
    report = ReconcileReport(stale=len(stale))
    states = await generation_job_states(pool, [s.session_id for s in stale])
    retry: list[int] = []
    for session in stale:
        state = states[session.session_id]
        if not state.queued:
            if session.attempts >= settings.reconcile_max_attempts:
                reason = (
                    f"gave up after {session.attempts} attempts that never finished (worker lost each time)"
                )
                await mark_session_failed(factory, session.session_id, reason, notify=notify)
                report.failed.append(session.session_id)
            else:
                retry.append(session.session_id)
        elif (running_for := state.running_for_s(settings.job_timeout_s)) is not None and (
            running_for > settings.job_timeout_s + 1
        ):
            await release_lost_job(pool, session.session_id)
            report.released.append(session.session_id)
        else:
            report.alive += 1
    report.requeued = await enqueue_session_generation(pool, retry)
    if report.requeued or report.released or report.failed:
        log.warning(
            "reconciler: %d stale sessions; re-enqueued %s, released lost jobs of %s, failed %s",
            report.stale,
            report.requeued,
            report.released,
            report.failed,
        )
    return report


async def reconcile(ctx: dict[str, Any]) -> str:
    report = await reconcile_sessions(
        ctx["session_factory"], ctx["redis"], ctx["settings"], notify=ctx["publish_status"]
    )
    return f"requeued={len(report.requeued)} failed={len(report.failed)}"
