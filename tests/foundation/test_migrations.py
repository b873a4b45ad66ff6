"""The migrations tell the story: legacy schema, then per-session generation status."""

import asyncio
import datetime as dt

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.database import create_engine
from core.migrations import downgrade, upgrade
from models import Base

LEGACY_ROWS = """
INSERT INTO users (id, email, display_name, role) VALUES (1, 'a@example.com', 'A', 'athlete');
INSERT INTO movements (id, name, slug, pattern, level, is_compound)
    VALUES (1, 'Back Squat', 'back-squat', 'squat', 'intermediate', true);
INSERT INTO programs (id, owner_id, name, goal, level, days_per_week, weeks, minutes_per_session, start_date)
    VALUES (7, 1, 'P', 'strength', 'beginner', 2, 1, 60, '2026-01-05');
INSERT INTO microcycles (id, program_id, index, phase, is_active, generation_status)
    VALUES (3, 7, 1, 'accumulation', true, 'pending');
INSERT INTO sessions (id, program_id, microcycle_id, day_index, scheduled_date, focus)
    VALUES (16827, 7, 3, 1, '2026-01-05', 'full_body'), (16828, 7, 3, 2, '2026-01-07', 'full_body');
INSERT INTO session_exercises (session_id, position, movement_id, sets, reps_min, reps_max, rest_seconds)
    VALUES (16827, 1, 1, 3, 5, 5, 180);
"""


async def _fetch(url: str, sql: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetch(sql)
    finally:
        await connection.close()


async def _execute(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def test_models_match_migrated_schema(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()
    assert diff == []


async def test_0002_backfills_status_from_exercises(empty_database_url: str) -> None:
    await asyncio.to_thread(upgrade, empty_database_url, "0001")
    await _execute(empty_database_url, LEGACY_ROWS)

    await asyncio.to_thread(upgrade, empty_database_url, "head")

    rows = await _fetch(
        empty_database_url,
        "SELECT id, generation_status::text AS s, generation_attempts FROM sessions ORDER BY id",
    )
    assert [(r["id"], r["s"], r["generation_attempts"]) for r in rows] == [
        (16827, "COMPLETE", 0),
        (16828, "PENDING", 0),
    ]
    columns = await _fetch(
        empty_database_url,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'microcycles'",
    )
    assert "generation_status" not in {c["column_name"] for c in columns}


async def test_round_trip_keeps_data(empty_database_url: str) -> None:
    """upgrade head -> downgrade base -> upgrade head works on a database holding data, and the
    downgrade to 0001 restores the legacy microcycle string from the session statuses."""
    await asyncio.to_thread(upgrade, empty_database_url, "0001")
    await _execute(empty_database_url, LEGACY_ROWS)
    await asyncio.to_thread(upgrade, empty_database_url, "head")
    await _execute(empty_database_url, "UPDATE sessions SET generation_status = 'COMPLETE'")

    await asyncio.to_thread(downgrade, empty_database_url, "0001")
    legacy = await _fetch(empty_database_url, "SELECT generation_status FROM microcycles")
    assert [r["generation_status"] for r in legacy] == ["complete"]
    types = await _fetch(empty_database_url, "SELECT 1 FROM pg_type WHERE typname = 'generation_status'")
    assert types == []
    assert len(await _fetch(empty_database_url, "SELECT id FROM session_exercises")) == 1

    await asyncio.to_thread(downgrade, empty_database_url, "base")
    tables = await _fetch(empty_database_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert {t["tablename"] for t in tables} == {"alembic_version"}

    await asyncio.to_thread(upgrade, empty_database_url, "head")
    await _execute(empty_database_url, LEGACY_ROWS.split("INSERT INTO microcycles")[0])
    rows = await _fetch(empty_database_url, "SELECT count(*) AS n FROM movements")
    assert rows[0]["n"] == 1


async def test_generation_status_rejects_unknown_values(database_url: str) -> None:
    await _execute(database_url, LEGACY_ROWS.split("INSERT INTO microcycles")[0])
    await _execute(
        database_url,
        "INSERT INTO microcycles (id, program_id, index, phase) VALUES (3, 7, 1, 'accumulation');"
        "INSERT INTO sessions (id, program_id, microcycle_id, day_index, scheduled_date, focus)"
        f" VALUES (1, 7, 3, 1, '{dt.date(2026, 1, 5)}', 'full_body')",
    )
    with pytest.raises(asyncpg.InvalidTextRepresentationError):
        await _execute(database_url, "UPDATE sessions SET generation_status = 'DONE'")
