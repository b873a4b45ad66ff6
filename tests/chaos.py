"""Real database misbehaviour for tests: a statement trigger on exercise inserts runs ``body``.

Used to slow generation down (pg_sleep), to kill the writing connection mid-transaction
(pg_terminate_backend), or to fail the write outright (RAISE), all inside PostgreSQL itself.
"""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SLOW_WRITES = "PERFORM pg_sleep(0.3);"


async def install_exercise_trigger(factory: async_sessionmaker[AsyncSession], body: str) -> None:
    """``body`` is PL/pgSQL; ``nextval('chaos_seq')`` counts calls across rolled-back transactions."""
    function = (
        f"CREATE FUNCTION chaos() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$"
    )
    trigger = (
        "CREATE TRIGGER chaos AFTER INSERT ON session_exercises FOR EACH STATEMENT EXECUTE FUNCTION chaos()"
    )
    async with factory() as db, db.begin():
        await db.execute(text("CREATE SEQUENCE IF NOT EXISTS chaos_seq"))
        await db.execute(text(function))
        await db.execute(text(trigger))


async def remove_exercise_trigger(factory: async_sessionmaker[AsyncSession]) -> None:
    async with factory() as db, db.begin():
        await db.execute(text("DROP TRIGGER chaos ON session_exercises"))
