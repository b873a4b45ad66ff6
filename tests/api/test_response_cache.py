"""The program view's response cache: a repeated view is answered from it, and every change to what
the view shows (a status change, a regeneration, a repair, a library import) or to who may see it
(a revoked token, another user) misses or bypasses it."""

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from models import Role
from services.access.users import create_user, revoke_token
from services.generation.session_generator import fail_session
from services.library.movement_catalogue import load_catalogue
from services.library.movement_import import import_movements, read_import_file
from services.library.movement_library import upsert_movements
from services.unit_of_work import UnitOfWorkFactory
from tests.api_client import Api, UserMaker, running_api
from tests.program_requests import PROGRAM_VIEW, create_program
from tests.statement_counting import counting_statements
from tests.waiting import eventually
from tests.workers import run_worker_until_idle

SMALL_IMPORT = Path(__file__).parent.parent / "movements" / "data" / "small_exercises.json"

REGENERATE = """
mutation Regenerate($programId: ID!, $sessionIds: [ID!]) {
  regenerateSessions(programId: $programId, sessionIds: $sessionIds, includeComplete: true) {
    __typename
  }
}
"""

REPAIR = "mutation Repair($id: ID!) { repairProgram(programId: $id) { __typename } }"

SESSIONS_BY_STATUS = """
query Filtered($id: ID!, $status: GenerationStatus) {
  program(id: $id) { id sessions(status: $status) { id generationStatus } }
}
"""


async def view(api: Api, program_id: str, token: str) -> tuple[dict[str, Any], list[str]]:
    """The program view's body and the SQL statements it cost."""
    with counting_statements() as statements:
        body = await api.graphql(PROGRAM_VIEW, {"id": program_id}, token)
    return body, statements


def was_cached(statements: list[str]) -> bool:
    """A cached answer costs the token check and the version query, and reads no session."""
    return len(statements) == 2 and not any("FROM sessions" in s for s in statements)


def sessions(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for m in body["data"]["program"]["microcycles"] for s in m["sessions"]]


def movement_names(body: dict[str, Any]) -> set[str]:
    return {e["movement"]["name"] for s in sessions(body) for e in s["exercises"]}


async def generated_program(api: Api, token: str, settings: Settings, **shape: object) -> str:
    program_id = await create_program(api, token, **shape)
    await run_worker_until_idle(settings)
    return program_id


async def test_a_repeated_view_is_answered_from_the_cache_with_the_same_bytes(
    api: Api, token: str, library: None, api_settings: Settings
) -> None:
    program_id = await generated_program(api, token, api_settings, weeks=2, daysPerWeek=3)
    first, cold = await view(api, program_id, token)
    second, warm = await view(api, program_id, token)
    assert "errors" not in first and not was_cached(cold)
    assert was_cached(warm), warm
    assert second == first


async def test_a_status_change_misses_the_cache(
    api: Api, token: str, library: None, api_settings: Settings
) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=2)
    before, _ = await view(api, program_id, token)
    assert {s["generationStatus"] for s in sessions(before)} == {"PENDING"}
    await view(api, program_id, token)  # cached now

    await run_worker_until_idle(api_settings)

    after, statements = await view(api, program_id, token)
    assert not was_cached(statements)
    assert {s["generationStatus"] for s in sessions(after)} == {"COMPLETE"}
    assert after["data"]["program"]["generationProgress"]["complete"] == 2


async def test_a_regeneration_misses_the_cache(
    api: Api, token: str, library: None, api_settings: Settings
) -> None:
    program_id = await generated_program(api, token, api_settings, weeks=1, daysPerWeek=2)
    before, _ = await view(api, program_id, token)
    chosen = sessions(before)[0]["id"]
    _, statements = await view(api, program_id, token)
    assert was_cached(statements)

    body = await api.graphql(REGENERATE, {"programId": program_id, "sessionIds": [chosen]}, token)
    assert body["data"]["regenerateSessions"]["__typename"] == "RegenerateSessionsSuccess"

    after, statements = await view(api, program_id, token)
    assert not was_cached(statements)
    assert {s["id"]: s["generationStatus"] for s in sessions(after)}[chosen] == "PENDING"


async def test_a_repair_misses_the_cache(
    api: Api, make_token: UserMaker, library: None, units: UnitOfWorkFactory
) -> None:
    owner, admin = await make_token(), await make_token(Role.ADMIN)
    program_id = await create_program(api, owner, weeks=1, daysPerWeek=2)
    first_session = sessions((await view(api, program_id, owner))[0])[0]["id"]
    async with units() as uow:
        assert await fail_session(uow, int(first_session), "the worker gave up")
    failed, statements = await view(api, program_id, owner)
    assert not was_cached(statements)
    assert sessions(failed)[0]["generationStatus"] == "FAILED"
    assert was_cached((await view(api, program_id, owner))[1])

    body = await api.graphql(REPAIR, {"id": program_id}, admin)
    assert body["data"]["repairProgram"]["__typename"] == "RepairProgramSuccess"

    repaired, statements = await view(api, program_id, owner)
    assert not was_cached(statements)
    assert sessions(repaired)[0] | {"exercises": []} == sessions(failed)[0] | {
        "generationStatus": "PENDING",
        "generationError": None,
        "exercises": [],
    }


async def test_a_library_import_misses_the_cache(
    api: Api,
    token: str,
    library: None,
    api_settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    program_id = await generated_program(api, token, api_settings, weeks=1, daysPerWeek=2)
    before, _ = await view(api, program_id, token)
    shown = sorted(movement_names(before))[0]
    assert was_cached((await view(api, program_id, token))[1])

    renamed = [
        dataclasses.replace(s, name=f"{s.name} (renamed)") for s in load_catalogue() if s.name == shown
    ]
    async with session_factory() as db, db.begin():
        assert (await upsert_movements(db, renamed)).updated == 1

    after, statements = await view(api, program_id, token)
    assert not was_cached(statements)
    assert f"{shown} (renamed)" in movement_names(after) and shown not in movement_names(after)
    assert was_cached((await view(api, program_id, token))[1])

    # An import of movements this program does not use misses too (the cache cannot tell).
    async with session_factory() as db, db.begin():
        assert (await import_movements(db, read_import_file(SMALL_IMPORT))).imported > 0
    unchanged, statements = await view(api, program_id, token)
    assert not was_cached(statements) and unchanged == after
    assert was_cached((await view(api, program_id, token))[1])

    # Any write to the library counts, not only the importer's.
    async with session_factory() as db, db.begin():
        await db.execute(
            text("UPDATE movements SET name = :old WHERE name = :new"),
            {"old": shown, "new": f"{shown} (renamed)"},
        )
    again, statements = await view(api, program_id, token)
    assert not was_cached(statements)
    assert again == before


async def test_a_revoked_token_gets_unauthenticated_never_the_cached_answer(
    api: Api, library: None, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    async with session_factory() as db, db.begin():
        _, token = await create_user(db, "revoked@example.com", "Revoked", Role.COACH)
    program_id = await create_program(api, token, weeks=1, daysPerWeek=2)
    await view(api, program_id, token)
    assert was_cached((await view(api, program_id, token))[1])

    async with session_factory() as db, db.begin():
        await revoke_token(db, "revoked@example.com")

    body, _ = await view(api, program_id, token)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_each_viewer_gets_their_own_answer(api: Api, make_token: UserMaker, library: None) -> None:
    owner, stranger, admin = await make_token(), await make_token(), await make_token(Role.ADMIN)
    program_id = await create_program(api, owner, weeks=1, daysPerWeek=2)
    mine, _ = await view(api, program_id, owner)
    assert was_cached((await view(api, program_id, owner))[1])

    for _ in range(2):
        body, _ = await view(api, program_id, stranger)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    seen_by_admin, statements = await view(api, program_id, admin)
    assert not was_cached(statements)
    assert seen_by_admin == mine


async def test_variables_are_part_of_the_key(
    api: Api, token: str, library: None, api_settings: Settings
) -> None:
    first = await create_program(api, token, weeks=1, daysPerWeek=2)
    second = await create_program(api, token, weeks=1, daysPerWeek=3)
    for program_id, count in ((first, 2), (second, 3), (first, 2), (second, 3)):
        body, _ = await view(api, program_id, token)
        assert body["data"]["program"]["id"] == program_id and len(sessions(body)) == count

    pending = await api.graphql(SESSIONS_BY_STATUS, {"id": first, "status": "PENDING"}, token)
    complete = await api.graphql(SESSIONS_BY_STATUS, {"id": first, "status": "COMPLETE"}, token)
    assert len(pending["data"]["program"]["sessions"]) == 2
    assert complete["data"]["program"]["sessions"] == []


async def test_only_program_queries_are_cached(api: Api, token: str, library: None) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=2)
    mixed = "query Mixed($id: ID!) { viewer { email } program(id: $id) { id sessions { id } } }"
    for _ in range(2):
        with counting_statements() as statements:
            body = await api.graphql(mixed, {"id": program_id}, token)
        assert "errors" not in body and not was_cached(statements)


async def test_a_cache_of_zero_bytes_is_off(
    api_settings: Settings, token: str, library: None, redis: object
) -> None:
    settings = api_settings.model_copy(update={"response_cache_max_bytes": 0})
    async with running_api(settings) as api:
        program_id = await create_program(api, token, weeks=1, daysPerWeek=2)
        for _ in range(2):
            body, statements = await view(api, program_id, token)
            assert "errors" not in body and not was_cached(statements)


async def test_a_change_committed_while_the_view_executes_is_never_served_stale_later(
    api: Api,
    token: str,
    library: None,
    units: UnitOfWorkFactory,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=2)
    async with session_factory() as db:
        first_session = await db.scalar(
            text("SELECT min(id) FROM sessions WHERE program_id = :p"), {"p": int(program_id)}
        )

    def status(body: dict[str, Any]) -> str:
        return {int(s["id"]): s["generationStatus"] for s in sessions(body)}[first_session]

    async def blocked_on_exercises() -> bool:
        async with session_factory() as db:
            waiting = await db.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE '%FROM session_exercises%'"
                )
            )
        return bool(waiting)

    # Nothing cached yet: the view reads its version and the sessions, then waits for the exercises while the
    # session fails and commits: its answer (still PENDING) is computed from before the change.
    async with units() as uow:
        await uow.db.execute(text("LOCK TABLE session_exercises IN ACCESS EXCLUSIVE MODE"))
        during = asyncio.create_task(view(api, program_id, token))
        await eventually(blocked_on_exercises, timeout=10, interval=0.02, what="the view waiting on the lock")
        assert await fail_session(uow, first_session, "failed while the view ran")
    answered, _ = await during
    assert status(answered) == "PENDING"

    after, statements = await view(api, program_id, token)
    assert not was_cached(statements)
    assert status(after) == "FAILED"
