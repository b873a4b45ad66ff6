"""Program 265, as the old app left it, repaired end to end (issue 6's story)."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import create_session_factory
from core.settings import Settings
from models import Role
from services.access.users import create_user
from tests.api.ws_client import graphql_socket
from tests.api_client import running_api

ROOT = Path(__file__).resolve().parents[2]
POPULATED = range(16820, 16833)  # the 13 sessions the old task generated, 16827 among them


async def _rows(engine: AsyncEngine, sql: str) -> list[tuple[Any, ...]]:  # raw SQL: untyped columns
    async with engine.connect() as connection:
        return [tuple(row) for row in (await connection.execute(text(sql))).all()]


async def _statuses(engine: AsyncEngine, program_id: int) -> dict[str, int]:
    rows = await _rows(
        engine,
        f"SELECT generation_status::text, count(*) FROM sessions WHERE program_id = {program_id} GROUP BY 1",
    )
    return {status: n for status, n in rows}


async def _snapshot(engine: AsyncEngine) -> dict[str, list[tuple[object, ...]]]:
    """Everything that must not change: the 13 generated sessions and the other programs."""
    populated = ",".join(map(str, POPULATED))
    return {
        "exercises_of_13": await _rows(
            engine, f"SELECT * FROM session_exercises WHERE session_id IN ({populated}) ORDER BY id"
        ),
        "sessions_13": await _rows(
            engine,
            "SELECT id, generation_status::text, generation_attempts, generated_at, updated_at "
            f"FROM sessions WHERE id IN ({populated}) ORDER BY id",
        ),
        "other_programs": await _rows(engine, "SELECT * FROM programs WHERE id <> 265 ORDER BY id"),
        "other_sessions": await _rows(engine, "SELECT * FROM sessions WHERE program_id <> 265 ORDER BY id"),
        "other_exercises": await _rows(
            engine,
            "SELECT se.* FROM session_exercises se JOIN sessions s ON s.id = se.session_id "
            "WHERE s.program_id <> 265 ORDER BY se.id",
        ),
    }


@contextmanager
def worker_process(database_url: str, redis_url: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "WORKER_POLL_DELAY_S": "0.01"}
    process = subprocess.Popen(
        [sys.executable, "main.py", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def repair_command(database_url: str, redis_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "main.py", "repair-program", "265", "--width", "200", "--timeout", "120", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


async def test_migration_reads_the_legacy_program_right(legacy_engine: AsyncEngine) -> None:
    assert await _statuses(legacy_engine, 265) == {"COMPLETE": 13, "PENDING": 71}
    assert [
        r[0]
        for r in await _rows(legacy_engine, "SELECT generation_status::text FROM sessions WHERE id = 16827")
    ] == ["COMPLETE"]
    assert await _statuses(legacy_engine, 266) == {"COMPLETE": 6}
    assert await _statuses(legacy_engine, 267) == {"PENDING": 2}


async def test_repair_command_generates_the_71_and_touches_nothing_else(
    legacy_database_url: str, legacy_engine: AsyncEngine, redis_url: str, redis: Redis
) -> None:
    before = await _snapshot(legacy_engine)
    dry = await asyncio.to_thread(repair_command, legacy_database_url, redis_url, "--dry-run")
    assert dry.returncode == 0 and "would enqueue 71 sessions" in dry.stdout, dry.stdout + dry.stderr
    assert await _statuses(legacy_engine, 265) == {"COMPLETE": 13, "PENDING": 71}

    with worker_process(legacy_database_url, redis_url):
        done = await asyncio.to_thread(repair_command, legacy_database_url, redis_url)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "PENDING" in done.stdout and "71" in done.stdout  # the state it started from
    assert "repaired: all 84 sessions COMPLETE" in done.stdout
    assert await _statuses(legacy_engine, 265) == {"COMPLETE": 84}
    empty = await _rows(
        legacy_engine,
        "SELECT s.id FROM sessions s WHERE s.program_id = 265 "
        "AND NOT EXISTS (SELECT 1 FROM session_exercises se WHERE se.session_id = s.id)",
    )
    assert empty == []
    assert await _snapshot(legacy_engine) == before  # the 13 byte for byte, other programs untouched

    again = await asyncio.to_thread(repair_command, legacy_database_url, redis_url)
    assert again.returncode == 0 and "is healthy" in again.stdout and "Nothing to do" in again.stdout


async def test_repair_with_a_library_too_thin_to_draft_fails_those_sessions_and_says_why(
    legacy_database_url: str, legacy_engine: AsyncEngine, redis_url: str, redis: Redis
) -> None:
    # Generation drafts from the library itself (issue 15), so a library that lost movements still
    # drafts what it has; one where every movement trains calves cannot give a session three.
    async with legacy_engine.begin() as connection:
        await connection.execute(text("UPDATE movements SET pattern = 'calves'"))

    with worker_process(legacy_database_url, redis_url):
        result = await asyncio.to_thread(repair_command, legacy_database_url, redis_url)

    assert result.returncode == 1, result.stdout + result.stderr
    statuses = await _statuses(legacy_engine, 265)
    assert statuses.get("FAILED", 0) > 0 and statuses.get("COMPLETE", 0) >= 13
    assert statuses.get("PENDING", 0) == statuses.get("IN_PROGRESS", 0) == 0
    failed = await _rows(
        legacy_engine, "SELECT id, generation_error FROM sessions WHERE generation_status = 'FAILED'"
    )
    assert f"{len(failed)} sessions FAILED" in result.stdout
    for session_id, error in failed:
        assert str(session_id) in result.stdout
        assert "movement(s) fit" in str(error) and "patterns with no fitting movement" in str(error)


@pytest.fixture
async def admin_token(legacy_engine: AsyncEngine) -> str:
    async with create_session_factory(legacy_engine)() as db, db.begin():
        _, token = await create_user(db, "admin@liftplan.example", "Admin", Role.ADMIN)
    return token


async def test_repair_program_mutation_with_live_progress(
    legacy_database_url: str, legacy_engine: AsyncEngine, redis_url: str, redis: Redis, admin_token: str
) -> None:
    before = await _snapshot(legacy_engine)
    settings = Settings(database_url=legacy_database_url, redis_url=redis_url, worker_poll_delay_s=0.01)
    async with running_api(settings) as api:
        async with create_session_factory(legacy_engine)() as db, db.begin():
            _, athlete = await create_user(db, "athlete@liftplan.example", "Athlete", Role.ATHLETE)
        forbidden = await api.graphql(
            'mutation { repairProgram(programId: "265") { ... on RepairProgramError { code } } }',
            token=athlete,
        )
        assert forbidden["data"]["repairProgram"] == {"code": "FORBIDDEN"}

        async with graphql_socket(api.ws_url) as socket:
            await socket.init(admin_token)
            op = await socket.subscribe(
                "subscription { programGenerationProgress(programId: 265) "
                "{ total pending complete failed finished } }"
            )
            stream = socket.messages(op)
            first = (await anext(stream))["data"]["programGenerationProgress"]
            assert first == {"total": 84, "pending": 71, "complete": 13, "failed": 0, "finished": False}

            body = await api.graphql(
                'mutation { repairProgram(programId: "265") { __typename '
                "... on RepairProgramSuccess { sessions { id generationStatus } } } }",
                token=admin_token,
            )
            enqueued = body["data"]["repairProgram"]["sessions"]
            assert len(enqueued) == 71 and {s["generationStatus"] for s in enqueued} == {"PENDING"}
            assert not {int(s["id"]) for s in enqueued} & set(POPULATED)

            with worker_process(legacy_database_url, redis_url):
                updates = [p["data"]["programGenerationProgress"] async for p in stream]
    assert updates[-1] == {"total": 84, "pending": 0, "complete": 84, "failed": 0, "finished": True}
    assert [u["complete"] for u in updates] == sorted(u["complete"] for u in updates)
    assert await _snapshot(legacy_engine) == before


async def test_repair_with_no_worker_waits_says_why_and_exits_4_at_the_timeout(
    legacy_database_url: str, legacy_engine: AsyncEngine, redis_url: str, redis: Redis
) -> None:
    started = asyncio.get_running_loop().time()
    result = await asyncio.to_thread(repair_command, legacy_database_url, redis_url, "--timeout", "7")

    assert result.returncode == 4, result.stdout + result.stderr
    assert asyncio.get_running_loop().time() - started >= 7  # it waited, through quiet moments
    assert "Waiting for a worker" in result.stdout
    assert "Timed out after 7 s" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert await _statuses(legacy_engine, 265) == {"COMPLETE": 13, "PENDING": 71}  # queued, untouched
