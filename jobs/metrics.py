"""A worker's metrics (Prometheus text format): jobs by outcome and their duration, queue depth,
reconciler actions and status events, served on ``WORKER_METRICS_PORT`` (0: not served).

arq runs ``generate_session`` through ``metered``, which counts each attempt: ``started``, then one
outcome: ``succeeded`` (generated, or nothing left to do), ``failed`` (the session is FAILED),
``retried`` (a transient error: it runs again later), ``interrupted`` (the worker stopped; arq
queues it again).
"""

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Iterator
from typing import Any

from arq import Retry
from arq.typing import WorkerCoroutine
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from core.job_queue import ArqJobQueue
from core.metrics import QueueDepth, StatusEventCounts
from jobs.reconciler import Reconciler
from services.live.status_relay import StatusRelay
from services.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
OUTCOMES = ("succeeded", "failed", "retried", "interrupted")


class ReconcilerActions(Collector):
    """``liftplan_reconciler_actions_total{action}``, read from the worker's reconciler."""

    def __init__(self, reconciler: Reconciler) -> None:
        self._reconciler = reconciler

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "liftplan_reconciler_actions",
            "Sessions the reconciler re-enqueued, released from a lost job, or failed.",
            labels=["action"],
        )
        for action in ("requeued", "released", "failed"):
            family.add_metric([action], self._reconciler.actions[action])
        yield family


class WorkerMetrics:
    """One per worker process."""

    def __init__(
        self, *, units: UnitOfWorkFactory, relay: StatusRelay, queue: ArqJobQueue, reconciler: Reconciler
    ) -> None:
        self.registry = CollectorRegistry()
        self.jobs = Counter(
            "liftplan_jobs",
            "Generation job attempts by outcome (started counts each attempt).",
            ["outcome"],
            registry=self.registry,
        )
        for outcome in ("started", *OUTCOMES):
            self.jobs.labels(outcome)
        self.duration = Histogram(
            "liftplan_job_duration_seconds",
            "How long generation job attempts took, by outcome.",
            ["outcome"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self._queue_depth = QueueDepth(self.registry, queue)
        self.registry.register(StatusEventCounts(lambda: units.counts.events_written, lambda: relay.relayed))
        self.registry.register(ReconcilerActions(reconciler))

    def finished(self, outcome: str, seconds: float) -> None:
        self.jobs.labels(outcome).inc()
        self.duration.labels(outcome).observe(seconds)

    async def exposition(self) -> bytes:
        await self._queue_depth.refresh()
        return generate_latest(self.registry)


# arq's own type of a job function, which ``arq.func`` takes (a bare Callable lacks its __qualname__).
Job = WorkerCoroutine


def metered(job: Job) -> Job:
    """``job`` counted in ``ctx["metrics"]`` (when the worker has one)."""

    @functools.wraps(job)
    async def run(ctx: dict[str, Any], *args: Any) -> str:
        metrics: WorkerMetrics | None = ctx.get("metrics")
        if metrics is None:
            return await job(ctx, *args)
        metrics.jobs.labels("started").inc()
        started, outcome = time.perf_counter(), "failed"
        try:
            result = await job(ctx, *args)
            outcome = "failed" if result == "FAILED" else "succeeded"
            return result
        except Retry:
            outcome = "retried"
            raise
        except asyncio.CancelledError:
            outcome = "interrupted"
            raise
        finally:
            metrics.finished(outcome, time.perf_counter() - started)

    return run


async def serve_metrics(metrics: WorkerMetrics, host: str, port: int) -> asyncio.Server | None:
    """Answer every HTTP request on ``host:port`` with the metrics (a scraper asks ``GET /metrics``);
    None, with a WARNING, when the port cannot be bound: a worker without metrics still works."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(10):
                await reader.readuntil(b"\r\n\r\n")  # the request line and headers; no body
                body = await metrics.exposition()
                head = (
                    f"HTTP/1.1 200 OK\r\nContent-Type: {CONTENT_TYPE_LATEST}\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                )
                writer.write(head.encode() + body)
                await writer.drain()
        writer.close()

    try:
        server = await asyncio.start_server(answer, host, port)
    except OSError as exc:
        log.warning("worker metrics not served: cannot listen on %s:%d (%s)", host, port, exc.strerror)
        return None
    log.info("worker metrics on http://%s:%d/metrics", host, port)
    return server
