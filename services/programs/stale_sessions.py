"""Find sessions that should be generating but may have lost their job (PostgreSQL is the truth)."""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, type_coerce
from sqlalchemy.dialects.postgresql import INTERVAL
from sqlalchemy.ext.asyncio import AsyncSession

from models import GenerationStatus, Session


@dataclass(frozen=True)
class StaleSession:
    session_id: int
    program_id: int
    status: GenerationStatus
    attempts: int
    unchanged_for: dt.timedelta


async def stale_unfinished_sessions(
    db: AsyncSession, older_than: dt.timedelta, *, limit: int = 10_000
) -> list[StaleSession]:
    """PENDING or IN_PROGRESS sessions whose row has not changed for ``older_than``."""
    rows = await db.execute(
        select(
            Session.id,
            Session.program_id,
            Session.generation_status,
            Session.generation_attempts,
            type_coerce(func.now() - Session.updated_at, INTERVAL),
        )
        .where(
            Session.generation_status.in_([GenerationStatus.PENDING, GenerationStatus.IN_PROGRESS]),
            Session.updated_at < func.now() - older_than,
        )
        .order_by(Session.updated_at)
        .limit(limit)
    )
    return [StaleSession(*row) for row in rows.all()]
