"""How many sessions are in each generation status, across every program (for ``/metrics``)."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import GenerationStatus, Session


async def sessions_by_status(db: AsyncSession) -> dict[GenerationStatus, int]:
    """Every status, zero included, from one ``GROUP BY``."""
    rows = await db.execute(
        select(Session.generation_status, func.count()).group_by(Session.generation_status)
    )
    counts = dict.fromkeys(GenerationStatus, 0)
    counts.update({status: count for status, count in rows})
    return counts
