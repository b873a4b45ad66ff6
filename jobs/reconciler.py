"""Bring back sessions whose job was lost: a worker killed mid-job, or Redis restarted empty.

Every worker runs a ``Reconciler`` loop: every ``reconcile_every_s`` (one worker per tick, by a
lock in Redis) and at once when PostgreSQL or Redis answers again after an outage. It is also
``liftplan reconcile``. For each PENDING or IN_PROGRESS session unchanged for ``reconcile_after_s``:
- no job in Redis (the queue was lost, or the enqueue after its commit failed): enqueue it again,
  or fail it once it has been attempted ``reconcile_max_attempts`` times, so a session that kills
  its worker every time cannot loop;
- its job marked running for longer than arq's timeout: no live worker can still be on it (ours
  ends every attempt before that), so the worker died or froze; the mark is released and the job
  runs again at once instead of after arq's in-progress timeout (python-arq issue 343);
- otherwise the job is queued or running and is left alone.
Each tick also prunes status events older than ``status_events_retention_s``.
"""

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field

from core.job_queue import ArqJobQueue
from core.settings import Settings
from core.stopping import finish_or_cancel
from services.adapters.outages import Outages
from services.adapters.transient_errors import is_redis_error, is_transient
from services.generation.session_generator import UnitsOfWork, fail_session
from services.live.status_log import prune_events
from services.programs.stale_sessions import stale_unfinished_sessions

log = logging.getLogger(__name__)

LOCK_KEY = "liftplan:reconciler-lock"
STOP_WAIT_S = 5.0


@dataclass
class ReconcileReport:
    stale: int = 0
    alive: int = 0
    requeued: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


async def reconcile_sessions(
    units: UnitsOfWork,
    queue: ArqJobQueue,
    settings: Settings,
    *,
    older_than: dt.timedelta | None = None,
) -> ReconcileReport:
    age = older_than if older_than is not None else dt.timedelta(seconds=settings.reconcile_after_s)
    async with units() as uow:
        stale = await stale_unfinished_sessions(uow.db, age)
    report = ReconcileReport(stale=len(stale))
    states = await queue.job_states([s.session_id for s in stale])
    retry: list[int] = []
    for session in stale:
        state = states[session.session_id]
        if not state.queued:
            if session.attempts >= settings.reconcile_max_attempts:
                reason = (
                    f"gave up after {session.attempts} attempts that never finished (worker lost each time)"
                )
                async with units() as uow:
                    if await fail_session(uow, session.session_id, reason):
                        report.failed.append(session.session_id)
            else:
                retry.append(session.session_id)
        elif (running_for := state.running_for_s(settings.job_timeout_s)) is not None and (
            running_for > settings.job_timeout_s + 1
        ):
            await queue.release_lost_job(session.session_id)
            report.released.append(session.session_id)
        else:
            report.alive += 1
    report.requeued = await queue.enqueue_generation(retry)
    if report.requeued or report.released or report.failed:
        log.warning(
            "reconciler: %d stale sessions; re-enqueued %d, released lost jobs of %s, failed %s",
            report.stale,
            len(report.requeued),
            report.released,
            report.failed,
        )
    return report


class Reconciler:
    """The reconciler loop of one worker process."""

    def __init__(self, units: UnitsOfWork, queue: ArqJobQueue, settings: Settings, outages: Outages) -> None:
        self._units = units
        self._queue = queue
        self._settings = settings
        self._outages = outages
        self._now = asyncio.Event()
        self._token = uuid.uuid4().hex
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.runs = 0
        self.actions: Counter[str] = Counter()  # requeued, released, failed: since start (/metrics)
        outages.database.on_recovery(self.wake)
        outages.redis.on_recovery(self.wake)

    def wake(self) -> None:
        """Run now (a backend is back), whichever worker ran last."""
        self._now.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="reconciler")

    async def stop(self) -> None:
        """Stop once the tick in hand is done (cut after ``STOP_WAIT_S``: cancelled inside a
        transaction, the driver's connection close is cut too, an ERROR)."""
        if self._task is None:
            return
        self._stopping = True
        self._now.set()
        await finish_or_cancel(self._task, STOP_WAIT_S)
        self._task = None

    async def _my_turn(self) -> bool:
        """One worker per tick: the first to take the lock for most of the interval."""
        lease_ms = int(self._settings.reconcile_every_s * 800)
        return bool(await self._queue.pool.set(LOCK_KEY, self._token, nx=True, px=max(lease_ms, 1)))

    async def _run(self) -> None:
        while not self._stopping:
            woken = False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._settings.reconcile_every_s):
                    await self._now.wait()
                    woken = True
            self._now.clear()
            if self._stopping:
                return
            try:
                if not woken and not await self._my_turn():
                    continue
                report = await reconcile_sessions(self._units, self._queue, self._settings)
                self.actions.update(
                    requeued=len(report.requeued), released=len(report.released), failed=len(report.failed)
                )
                async with self._units() as uow:
                    pruned = await prune_events(
                        uow.db, dt.timedelta(seconds=self._settings.status_events_retention_s)
                    )
                if pruned:
                    log.info("pruned %d status events older than the retention", pruned)
                self.runs += 1
            except Exception as exc:
                if is_redis_error(exc):
                    self._outages.redis.failed(exc)
                elif is_transient(exc):
                    self._outages.database.failed(exc)
                else:
                    log.error("reconciler failed", exc_info=True)
