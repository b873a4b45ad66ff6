"""Build the Starlette app. Long-lived clients are created in the lifespan, never at import."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import TypedDict

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.database import create_engine, create_session_factory
from core.servers import ServerUrls
from core.settings import Settings
from services.health import check_database, check_redis


class AppState(TypedDict):
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    redis: Redis


async def healthz(request: Request) -> JSONResponse:
    database = await check_database(request.state.engine)
    redis = await check_redis(request.state.redis)
    healthy = database.ok and redis.ok
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": asdict(database),
        "redis": asdict(redis),
    }
    return JSONResponse(body, status_code=200 if healthy else 503)


def create_app(settings: Settings, urls: ServerUrls) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[AppState]:
        engine = create_engine(urls.database_url, pool_size=settings.db_pool_size)
        redis = Redis.from_url(urls.redis_url)
        try:
            yield AppState(
                settings=settings,
                engine=engine,
                session_factory=create_session_factory(engine),
                redis=redis,
            )
        finally:
            await redis.aclose()
            await engine.dispose()

    return Starlette(routes=[Route("/healthz", healthz)], lifespan=lifespan)
