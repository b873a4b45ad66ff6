"""Prometheus metrics that the API and the workers both export. Each process builds its own
``CollectorRegistry`` (nothing is registered globally); values that other objects already keep
(counts of events, open sockets) are read from them at scrape time."""

import logging
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from core.job_queue import ArqJobQueue

log = logging.getLogger(__name__)


class StatusEventCounts(Collector):
    """``liftplan_status_events_total{stage}``: events this process wrote to the status log
    (``written``) and delivered to the Redis stream (``relayed``, any process's events)."""

    def __init__(self, written: Callable[[], int], relayed: Callable[[], int]) -> None:
        self._written = written
        self._relayed = relayed

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "liftplan_status_events", "Status events written and relayed by this process.", labels=["stage"]
        )
        family.add_metric(["written"], self._written())
        family.add_metric(["relayed"], self._relayed())
        yield family


class QueueDepth:
    """``liftplan_queue_depth``: generation jobs waiting in arq's queue, read from Redis at scrape."""

    def __init__(self, registry: CollectorRegistry, queue: ArqJobQueue) -> None:
        self._queue = queue
        self._gauge = Gauge(
            "liftplan_queue_depth",
            "Generation jobs waiting in the queue (deferred retries too).",
            registry=registry,
        )

    async def refresh(self) -> None:
        """Read the depth now; while Redis does not answer the gauge says NaN, not a stale number."""
        try:
            self._gauge.set(await self._queue.depth())
        except Exception as exc:
            log.debug("metrics: queue depth unavailable: %r", exc)
            self._gauge.set(float("nan"))
