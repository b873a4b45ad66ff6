"""Regenerate sessions on request: reset them in PostgreSQL, publish, then enqueue.

Shared by the GraphQL mutation and the JSON route, so both answer and behave the same.
PostgreSQL is written first: if enqueueing fails afterwards, the sessions are PENDING and the
reconciler enqueues them later.
"""

from collections.abc import Sequence

from arq.connections import ArqRedis
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from jobs.enqueue import enqueue_session_generation
from models import Session, User
from services.rate_limits import spend
from services.regeneration import reset_to_pending, sessions_to_regenerate
from services.status_events import StatusEventPublisher


async def regenerate_sessions(
    *,
    factory: async_sessionmaker[AsyncSession],
    redis: Redis,
    arq: ArqRedis,
    settings: Settings,
    user: User,
    program_id: int,
    session_ids: Sequence[int] | None,
    include_complete: bool,
) -> list[Session]:
    await spend(redis, user.id, "regenerateSessions", settings.rate_limit_per_minute)
    async with factory() as db, db.begin():
        chosen = await sessions_to_regenerate(db, user, program_id, session_ids, include_complete)
        changes = await reset_to_pending(db, chosen)
    publish = StatusEventPublisher(redis, maxlen=settings.status_stream_maxlen)
    for change in changes:
        await publish(change)
    await enqueue_session_generation(arq, [s.id for s in chosen])
    return chosen
