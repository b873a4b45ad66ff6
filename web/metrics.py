"""The API process's ``/metrics`` (Prometheus text format): GraphQL request latency by operation,
open WebSockets and live subscriptions, sessions by status, queue depth and status events."""

import logging
import re
import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, Histogram, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from core.job_queue import ArqJobQueue
from core.metrics import QueueDepth, StatusEventCounts
from models import GenerationStatus
from services.live.status_relay import StatusRelay
from services.programs.session_census import sessions_by_status
from services.unit_of_work import UnitOfWorkFactory
from web.live_groups import LiveGroups
from web.open_sockets import OpenSockets

log = logging.getLogger(__name__)
OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
NAMED_OPERATION = re.compile(r"^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class ApiMetrics:
    """One per API process, built in the lifespan from what it reads."""

    def __init__(
        self,
        *,
        factory: async_sessionmaker[AsyncSession],
        units: UnitOfWorkFactory,
        relay: StatusRelay,
        queue: ArqJobQueue,
        sockets: OpenSockets,
        live: LiveGroups,
        max_operations: int = 50,
        census_ttl_s: float = 5.0,
    ) -> None:
        self.registry = CollectorRegistry()
        self._factory = factory
        self._max_operations = max_operations
        self._operations: set[str] = set()
        self._census_ttl_s = census_ttl_s
        self._census_at = float("-inf")
        self.requests = Histogram(
            "liftplan_graphql_request_duration_seconds",
            "HTTP GraphQL requests by operation name (anonymous, or other past the first names seen).",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        Gauge("liftplan_open_websockets", "Open WebSockets.", registry=self.registry).set_function(
            lambda: sockets.count
        )
        Gauge("liftplan_live_subscriptions", "Live subscriptions.", registry=self.registry).set_function(
            lambda: live.subscriptions
        )
        self._sessions = Gauge(
            "liftplan_sessions",
            "Sessions by generation status, all programs (read at most every few seconds).",
            ["status"],
            registry=self.registry,
        )
        self._queue_depth = QueueDepth(self.registry, queue)
        self.registry.register(StatusEventCounts(lambda: units.counts.events_written, lambda: relay.relayed))

    def operation_label(self, name: str | None, query: str | None) -> str:
        """A bounded label: the operation's name if it looks like one and is among the first
        ``max_operations`` names seen, ``anonymous`` without one, else ``other``."""
        if not name and query:
            named = NAMED_OPERATION.match(query)
            name = named.group(1) if named else None
        if not name:
            return "anonymous"
        if name in self._operations:
            return name
        if OPERATION_NAME.fullmatch(name) and len(self._operations) < self._max_operations:
            self._operations.add(name)
            return name
        return "other"

    def observe_request(self, name: str | None, query: str | None, seconds: float) -> None:
        self.requests.labels(self.operation_label(name, query)).observe(seconds)

    async def refresh(self) -> None:
        """Values read from PostgreSQL and Redis; the census at most every ``census_ttl_s``."""
        await self._queue_depth.refresh()
        if time.monotonic() - self._census_at < self._census_ttl_s:
            return
        try:
            async with self._factory() as db:
                counts = await sessions_by_status(db)
        except Exception as exc:
            log.debug("metrics: sessions by status unavailable: %r", exc)
            for status in GenerationStatus:  # unknown, not a stale count
                self._sessions.labels(status.name).set(float("nan"))
            return
        for status, count in counts.items():
            self._sessions.labels(status.name).set(count)
        self._census_at = time.monotonic()


async def metrics_route(request: Request) -> Response:
    metrics: ApiMetrics = request.state.metrics
    await metrics.refresh()
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
