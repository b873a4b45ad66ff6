"""The arq worker: the generation function, the clients its jobs share, and the loops beside it.

A worker process runs arq's poll loop (kept alive through Redis outages by ``SupervisedWorker``),
a status relay (events it commits reach Redis at once; anyone's undelivered ones within a sweep)
and a reconciler. Everything shared is built in ``on_startup`` and reached through ``ctx``.
"""

import asyncio
import contextlib
import dataclasses
import logging
from signal import Signals
from typing import Any

from arq import Worker, create_pool, func
from arq.connections import ArqRedis, RedisSettings
from redis.exceptions import RedisError

from core.database import create_engine, create_session_factory
from core.job_queue import GENERATE_SESSION, ArqJobQueue
from core.settings import Settings
from core.stopping import cancel_and_wait
from jobs.generation import STOPPING, GenerationContext, generate_session
from jobs.job_logging import in_log_context
from jobs.metrics import WorkerMetrics, metered, serve_metrics
from jobs.reconciler import Reconciler
from services.adapters.outages import Backoff, Outages
from services.adapters.redis_status_stream import StatusStream
from services.library.movement_index import MovementIndexCache
from services.live.status_relay import StatusRelay
from services.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

# Far above any real number of tries: retries are bounded by time (jobs.generation), not count.
UNBOUNDED_TRIES = 1_000_000
HEALTH_CHECK_INTERVAL_S = 10


class PollingStopped(Exception):
    """Ends a worker's poll loop between two polls (``SupervisedWorker.stop_polling``)."""


class SupervisedWorker(Worker):
    """arq's ``Worker``, kept alive through Redis outages of any length.

    arq 0.28 ends ``main()`` on the first Redis error of its poll loop, busy or idle (python-arq
    issues 435 and 498), leaks a job slot when Redis fails while it starts a job, and re-raises a
    job's failure to record its end in Redis from the poll loop, long after the fact. Here a failed
    poll is logged once per outage (``Outages``) and retried with backoff; a job start that fails
    gives its slot back; a job whose record could not be updated is left to run again (its
    in-progress mark expires, or the reconciler releases it; it then finds its session finished).
    On SIGTERM or SIGINT it takes no new job, gives running ones ``WORKER_SHUTDOWN_GRACE_S``, then
    sets ``STOPPING`` and cancels the rest, which arq queues again.
    Depends on arq's ``_poll_iteration``, ``start_jobs``, ``run_job`` and
    ``_wait_for_tasks_to_complete``; pyproject pins arq below 0.29, tests/faults/test_backend_outages.py
    stops Redis under busy workers and tests/faults/test_worker_shutdown.py sends the signals.
    """

    outages: Outages
    _backoff: Backoff
    _poll_stopping: "asyncio.Future[None]"
    _stop_polling = False

    def stop_polling(self) -> None:
        """End arq's poll loop before its next poll (``PollingStopped``), where no Redis call is
        open: cancelled mid-poll, redis-py's pipeline is cut inside its own clean-up and keeps its
        connection (a ResourceWarning in tests that stop a worker)."""
        self._stop_polling = True

    async def _poll_iteration(self) -> None:
        if self._stop_polling:
            raise PollingStopped
        try:
            if self.outages.redis.ongoing:  # a poll may touch nothing in Redis: prove it answers
                await self.pool.ping()
            await super()._poll_iteration()
        except (RedisError, OSError) as exc:
            self.outages.redis.failed(exc)
            await asyncio.sleep(self._backoff.next())
            return
        self._backoff.reset()
        self.outages.redis.recovered()

    def handle_sig(self, signum: Signals) -> None:
        self.ctx[STOPPING].set()  # the jobs cancelled now are queued again by arq
        super().handle_sig(signum)
        if self.main_task is not None and not self.main_task.done():
            # arq cancels its poll loop once, and a cancel lost inside redis-py (core.stopping)
            # would keep it polling: see it through. (Jobs are not cancelled again: each one's
            # cancellation is arq recording it for a retry.)
            self._poll_stopping = asyncio.ensure_future(self._end_poll_loop(self.main_task))

    @staticmethod
    async def _end_poll_loop(main_task: "asyncio.Task[None]") -> None:
        with contextlib.suppress(PollingStopped):
            await cancel_and_wait(main_task)

    def handle_sig_wait_for_completion(self, signum: Signals) -> None:
        running = sum(not t.done() for t in self.tasks.values())
        log.info(
            "%s: taking no new jobs; %d running get up to %g s to finish",
            Signals(signum).name,
            running,
            self._job_completion_wait,
        )
        super().handle_sig_wait_for_completion(signum)

    async def _wait_for_tasks_to_complete(self, signum: Signals) -> None:
        # arq's own version cancels what is left without STOPPING set, and the jobs it cuts would
        # raise a Retry nobody reads; so wait here and end through handle_sig.
        deadline = self.loop.time() + self._job_completion_wait
        # Re-read: a poll under way at the signal may still start a job.
        while (running := [t for t in self.tasks.values() if not t.done()]) and self.loop.time() < deadline:
            await asyncio.wait(running, timeout=deadline - self.loop.time())
        if running:
            log.info(
                "%d jobs still running after the grace period are stopped; they will run again", len(running)
            )
        else:
            log.info("the running jobs finished; stopping")
        self.handle_sig(signum)

    async def run_job(self, job_id: str, score: int) -> None:
        try:
            await super().run_job(job_id, score)
        except (RedisError, OSError) as exc:
            self.outages.redis.failed(exc)

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        for job_id in job_ids:
            try:
                await super().start_jobs([job_id])
            except (RedisError, OSError):
                # arq takes a slot (semaphore and counter) before its only Redis calls and starts
                # no task when they fail: give the slot back, or the worker starves.
                self.job_counter -= 1
                self.sem.release()
                raise


async def on_startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    outages: Outages = ctx["outages"]
    pool: ArqRedis = ctx["redis"]
    engine = create_engine(
        ctx["database_url"],
        pool_size=max(2, settings.worker_max_jobs),
        idle_in_transaction_timeout_s=settings.db_idle_in_transaction_timeout_s,
        # A job that meets a dead connection is retried (jobs.generation); a ping per transaction
        # was one round trip in six of a session's generation.
        pre_ping=False,
    )
    factory = create_session_factory(engine)
    relay = StatusRelay(
        factory,
        StatusStream(pool, maxlen=settings.status_stream_maxlen),
        outages,
        sweep_s=settings.status_relay_sweep_s,
    )
    queue = ArqJobQueue(pool)
    units = UnitOfWorkFactory(factory, relay=relay, queue=queue, queue_outage=outages.redis)
    reconciler = Reconciler(units, queue, settings, outages)
    metrics = WorkerMetrics(units=units, relay=relay, queue=queue, reconciler=reconciler)
    ctx.update(engine=engine, relay=relay, reconciler=reconciler, units=units, queue=queue, metrics=metrics)
    if settings.worker_metrics_port:
        ctx["metrics_server"] = await serve_metrics(
            metrics, settings.worker_metrics_host, settings.worker_metrics_port
        )
    ctx["generation"] = GenerationContext(settings, units, pool, outages, MovementIndexCache())
    relay.start()
    if not ctx["burst"]:
        reconciler.start()
    log.info("worker ready: up to %d jobs at once", settings.worker_max_jobs)


async def on_shutdown(ctx: dict[str, Any]) -> None:
    server: asyncio.Server | None = ctx.get("metrics_server")
    if server is not None:
        server.close()
    reconciler: Reconciler | None = ctx.get("reconciler")
    if reconciler is not None:
        await reconciler.stop()
    relay: StatusRelay | None = ctx.get("relay")
    if relay is not None:
        await relay.stop()
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()


def worker_options(
    settings: Settings, database_url: str, redis_url: str, *, burst: bool, outages: Outages
) -> dict[str, Any]:
    """arq ``Worker`` arguments for the generation queue (``build_worker``, ``jobs.arq_settings``)."""
    return {
        "functions": [
            func(
                in_log_context(metered(generate_session)),
                name=GENERATE_SESSION,
                keep_result=0,
                timeout=settings.job_timeout_s,
                max_tries=UNBOUNDED_TRIES,
            )
        ],
        "redis_settings": RedisSettings.from_dsn(redis_url),
        "burst": burst,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "max_jobs": settings.worker_max_jobs,
        "job_timeout": settings.job_timeout_s,
        "keep_result": 0,
        "poll_delay": settings.worker_poll_delay_s,
        # SIGTERM / SIGINT: no new jobs, running ones get this long, then they are cut (and re-queued).
        "job_completion_wait": settings.worker_shutdown_grace_s,
        # arq's health key (``arq --check``) lives this long + 1 s after a worker's last poll.
        "health_check_interval": HEALTH_CHECK_INTERVAL_S,
        "ctx": {
            "settings": settings,
            "database_url": database_url,
            "outages": outages,
            "burst": burst,
            STOPPING: asyncio.Event(),
        },
    }


def build_worker(
    settings: Settings,
    database_url: str,
    redis_url: str,
    *,
    burst: bool = False,
    handle_signals: bool = True,
    outages: Outages | None = None,
    redis_pool: ArqRedis | None = None,
) -> SupervisedWorker:
    """A worker for the generation queue. ``burst`` stops it once the queue is empty (tests);
    ``redis_pool``, already connected (``wait_for_redis``), spares arq its few connection tries."""
    outages = outages or Outages()
    options = worker_options(settings, database_url, redis_url, burst=burst, outages=outages)
    worker = SupervisedWorker(**options, redis_pool=redis_pool, handle_signals=handle_signals)
    worker.outages = outages
    worker._backoff = Backoff()
    return worker


async def wait_for_redis(redis_url: str, outages: Outages) -> ArqRedis:
    """Connect, however long Redis takes to answer (a worker started during an outage waits)."""
    settings = dataclasses.replace(RedisSettings.from_dsn(redis_url), conn_retries=0)
    backoff = Backoff()
    while True:
        try:
            pool = await create_pool(settings)
            await pool.ping()
        except (RedisError, OSError) as exc:
            outages.redis.failed(exc)
            await asyncio.sleep(backoff.next())
            continue
        outages.redis.recovered()
        return pool
