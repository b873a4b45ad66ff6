"""generate_session when PostgreSQL refuses an exercise whose movement is gone (foreign key): the
job retries it as transient and the retry completes; nothing logged at ERROR, no SQL anywhere."""

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.job_queue import ArqJobQueue
from core.settings import Settings
from models import GenerationStatus
from tests.factories import make_program_with_sessions
from tests.generator.recorded_outcomes import SQL_WORDS, event_errors, session_row
from tests.workers import enqueue_pending_program_sessions, run_worker_until_idle

Factory = async_sessionmaker[AsyncSession]


async def test_the_job_retries_a_foreign_key_violation_on_a_movement_and_completes(
    session_factory: Factory,
    library: None,
    queue: ArqJobQueue,
    job_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    program_id, [session_id] = await make_program_with_sessions(session_factory, weeks=1, days_per_week=1)
    # The first exercise written names a movement that is not there (as if deleted a moment before),
    # once: PostgreSQL's own foreign key refuses it.
    async with session_factory() as db, db.begin():
        await db.execute(text("CREATE SEQUENCE vanish_seq"))
        await db.execute(
            text(
                "CREATE FUNCTION vanish() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF nextval('vanish_seq') = 1 THEN NEW.movement_id := -NEW.movement_id; END IF; "
                "RETURN NEW; END $$"
            )
        )
        await db.execute(
            text(
                "CREATE TRIGGER vanish BEFORE INSERT ON session_exercises "
                "FOR EACH ROW EXECUTE FUNCTION vanish()"
            )
        )
    await enqueue_pending_program_sessions(queue, session_factory, program_id)

    with caplog.at_level(logging.INFO):
        await run_worker_until_idle(job_settings)

    status, attempts, error, exercises = await session_row(session_factory, session_id)
    assert (status, attempts, error) == (GenerationStatus.COMPLETE, 2, None) and exercises > 0
    retries = [r.getMessage() for r in caplog.records if "hit a transient error" in r.getMessage()]
    assert len(retries) == 1 and "MovementRemoved: a movement was removed" in retries[0], retries
    assert not any(word in retries[0] for word in SQL_WORDS)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert await event_errors(session_factory) == []
