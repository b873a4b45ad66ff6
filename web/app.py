"""Build the Starlette app. Long-lived clients are created in the lifespan, never at import."""

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TypedDict

from arq.connections import ArqRedis
from redis.asyncio import BlockingConnectionPool, Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from core.database import create_engine, create_session_factory
from core.job_queue import ArqJobQueue
from core.migrations import head_revisions
from core.servers import ServerUrls
from core.settings import Settings
from schema.root import build_schema
from services.access.subscription_limits import SubscriptionLimiter
from services.adapters.outages import Outages
from services.adapters.readiness import ReadinessChecks
from services.adapters.redis_status_stream import StatusStream
from services.live.status_hub import StatusHub
from services.live.status_relay import StatusRelay
from services.unit_of_work import UnitOfWorkFactory
from web.cors import cors_middleware
from web.graphql_view import LiftplanGraphQL, group_context
from web.live_groups import LiveGroups
from web.metrics import ApiMetrics, metrics_route
from web.open_sockets import OpenSockets
from web.pages import Pages
from web.probes import healthz, readyz
from web.request_drain import RunningRequests, TrackRequests
from web.request_guard import GraphQLRequestGuard
from web.request_ids import RequestIds
from web.response_cache import ResponseCache
from web.rest import regenerate_sessions_route

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
# Responses from 1 KB are gzipped for clients that accept it (the GraphiQL bundle, program views);
# level 6 is within 1% of 9's size at half its CPU. WebSockets are not HTTP responses: untouched.
GZIP_MIN_BYTES = 1_000
GZIP_LEVEL = 6


class AppState(TypedDict):
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    redis: Redis
    arq: ArqRedis
    hub: StatusHub
    units: UnitOfWorkFactory
    sockets: OpenSockets
    live: LiveGroups
    subscriptions: SubscriptionLimiter
    readiness: ReadinessChecks
    metrics: ApiMetrics


def bounded_pool(url: str, size: int) -> BlockingConnectionPool:
    """At most ``size`` connections; a caller waits (up to 5 s) for a free one. A Redis that hangs
    (accepts, never answers) fails a command after 5 s instead of holding its request for ever."""
    return BlockingConnectionPool.from_url(
        url, max_connections=size, timeout=5, socket_timeout=5, socket_connect_timeout=5
    )


async def begin_shutdown(app: Starlette) -> None:
    """Called by the server as it starts to stop, before uvicorn's own shutdown: close the app's
    open WebSockets with 1012, "service restart" (``web.open_sockets``), and cut the HTTP requests
    still running once the grace has passed (``web.request_drain``), beside uvicorn's wait."""
    sockets: OpenSockets | None = getattr(app.state, "sockets", None)
    if sockets is not None and (closed := await sockets.close_all()):
        log.debug("closed %d WebSockets: the server is stopping", closed)
    running: RunningRequests = app.state.requests
    app.state.cutting_requests = asyncio.create_task(running.cut_after_grace(), name="cut-requests")


def create_app(
    settings: Settings,
    urls: ServerUrls,
    *,
    alongside: Sequence[Callable[[], AbstractAsyncContextManager[None]]] = (),
    demo_token: str | None = None,
    demo_program_id: int | None = None,
) -> Starlette:
    """``alongside`` runs for the app's lifetime, entered last and left first (the embedded demo's
    in-process worker); ``demo_token`` is pre-filled in GraphiQL and the page (the demo only), and
    GraphiQL's first tab views ``demo_program_id`` (else it asks for a program id)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[AppState]:
        heads = await asyncio.to_thread(head_revisions)
        engine = create_engine(
            urls.database_url,
            pool_size=settings.db_pool_size,
            idle_in_transaction_timeout_s=settings.db_idle_in_transaction_timeout_s,
        )
        factory = create_session_factory(engine)
        outages = Outages()
        # Bounded: requests wait for a connection rather than opening one each (watchers use none:
        # the hub reads for all of them on its own connection).
        redis = Redis(connection_pool=bounded_pool(urls.redis_url, settings.redis_pool_size))
        arq = ArqRedis(connection_pool=bounded_pool(urls.redis_url, settings.redis_pool_size))
        # The hub's blocking XREAD holds its own connection; a timeout above the block notices a
        # Redis that stopped answering.
        hub_redis = Redis.from_url(urls.redis_url, socket_timeout=10, socket_connect_timeout=5)
        relay = StatusRelay(
            factory,
            StatusStream(arq, maxlen=settings.status_stream_maxlen),
            outages,
            sweep_s=settings.status_relay_sweep_s,
        )
        hub = StatusHub(StatusStream(hub_redis), factory, outages, poll_s=settings.status_hub_poll_s)
        sockets = OpenSockets(
            factory,
            outages,
            per_address=settings.max_connections_per_address,
            recheck_s=settings.token_recheck_s,
        )
        live = LiveGroups(hub, factory, group_context, max_unsent_bytes=settings.ws_max_unsent_bytes)
        app.state.live, app.state.hub = live, hub  # for introspection (tests count executions)
        app.state.sockets = sockets  # closed by the server when it stops (cli.announcing_server)
        relay.start()
        hub.start()
        sockets.start()
        companions = AsyncExitStack()
        try:
            for companion in alongside:
                await companions.enter_async_context(companion())
            queue = ArqJobQueue(arq)
            units = UnitOfWorkFactory(factory, relay=relay, queue=queue, queue_outage=outages.redis)
            yield AppState(
                settings=settings,
                engine=engine,
                session_factory=factory,
                redis=redis,
                arq=arq,
                hub=hub,
                units=units,
                sockets=sockets,
                live=live,
                subscriptions=SubscriptionLimiter(
                    per_user=settings.max_subscriptions_per_user,
                    per_process=settings.max_subscriptions_per_process,
                ),
                readiness=ReadinessChecks(engine, redis, heads),
                metrics=ApiMetrics(
                    factory=factory,
                    units=units,
                    relay=relay,
                    queue=queue,
                    sockets=sockets,
                    live=live,
                    max_operations=settings.metrics_max_operations,
                ),
            )
        finally:
            await companions.aclose()
            await sockets.stop()
            await hub.close()
            await relay.stop()
            await hub_redis.aclose()
            await arq.aclose(close_connection_pool=True)
            await redis.aclose(close_connection_pool=True)
            await engine.dispose()

    pages = Pages(demo_token)
    graphql = LiftplanGraphQL(
        build_schema(settings),
        graphiql_headers={"Authorization": f"Bearer {demo_token}"} if demo_token else None,
        graphiql_program_id=demo_program_id,
        response_cache=ResponseCache(
            max_bytes=settings.response_cache_max_bytes,
            max_entries=settings.response_cache_max_entries,
            max_tokens=settings.max_query_tokens,
        ),
        graphql_ide="graphiql" if settings.serves_graphiql else None,
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        connection_init_wait_timeout=dt.timedelta(seconds=settings.ws_init_timeout_s),
    )
    running = RunningRequests(settings.api_shutdown_grace_s)
    app = Starlette(
        routes=[
            Route("/", pages.page),
            Route("/programs/{program_id:int}", pages.page),
            Route("/programs/{program_id}/regenerate-sessions", regenerate_sessions_route, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_route),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            *cors_middleware(settings.cors_origins),
            Middleware(RequestIds),
            Middleware(TrackRequests, running=running),
            Middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL),
            Middleware(
                GraphQLRequestGuard,
                max_body_bytes=settings.max_body_bytes,
                max_tokens=settings.max_query_tokens,
            ),
        ],
        exception_handlers={404: pages.not_found},
        lifespan=lifespan,
    )
    app.state.requests = running
    return app
