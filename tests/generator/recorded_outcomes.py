"""What a generation attempt left in PostgreSQL: the session's status, attempts, reason and exercise
count, the errors in the status log, and words that would show SQL leaked into them."""

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import GenerationStatus, Session, SessionExercise

Factory = async_sessionmaker[AsyncSession]

SQL_WORDS = ("[SQL", "INSERT", "session_exercises", "parameters", "asyncpg")


async def session_row(factory: Factory, session_id: int) -> tuple[GenerationStatus, int, str | None, int]:
    async with factory() as db:
        session = await db.get(Session, session_id)
        assert session is not None
        exercises = len(
            (
                await db.scalars(select(SessionExercise.id).where(SessionExercise.session_id == session_id))
            ).all()
        )
        return session.generation_status, session.generation_attempts, session.generation_error, exercises


async def event_errors(factory: Factory) -> list[str]:
    async with factory() as db:
        return list((await db.scalars(text("SELECT error FROM status_events WHERE error IS NOT NULL"))).all())
