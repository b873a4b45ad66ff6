"""Queries and mutations over real HTTP, against real PostgreSQL and Redis."""

import json
from typing import Any

import pytest
from arq.connections import ArqRedis
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from models import GenerationStatus, Program, Session
from tests.api_client import Api, UserMaker
from tests.program_requests import CREATE_PROGRAM, PROGRAM_VIEW, REGENERATE, create_program, program_input
from tests.workers import run_worker_until_idle

VIEWER = "query { viewer { email role } }"


async def test_viewer_needs_a_valid_token(api: Api, token: str) -> None:
    assert (await api.graphql(VIEWER, token=token))["data"]["viewer"]["role"] == "COACH"
    for bad in (None, "lp_not-a-real-token", "garbage"):
        body = await api.graphql(VIEWER, token=bad)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_create_program_enqueues_every_session_and_the_view_shows_them_generated(
    api: Api, token: str, library: None, arq_pool: ArqRedis, api_settings: Settings
) -> None:
    body = await api.graphql(CREATE_PROGRAM, {"input": program_input(weeks=12, daysPerWeek=7)}, token)
    created = body["data"]["createProgram"]["program"]
    assert created["generationProgress"] == {"total": 84, "pending": 84}
    assert await arq_pool.zcard("arq:queue") == 84  # every session of every week, not only week 1

    await run_worker_until_idle(api_settings)

    view = (await api.graphql(PROGRAM_VIEW, {"id": created["id"]}, token))["data"]["program"]
    assert view["generationProgress"]["complete"] == 84 and view["generationProgress"]["finished"]
    assert [m["index"] for m in view["microcycles"]] == list(range(1, 13))
    sessions = [s for m in view["microcycles"] for s in m["sessions"]]
    assert len(sessions) == 84
    assert all(s["generationStatus"] == "COMPLETE" and len(s["exercises"]) >= 3 for s in sessions)
    first = sessions[0]["exercises"]
    assert [e["position"] for e in first] == list(range(1, len(first) + 1))
    assert all(e["movement"]["name"] for e in first)


async def test_bad_input_gets_a_clear_error_and_writes_nothing(
    api: Api, token: str, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"daysPerWeek": -3}, "INVALID_INPUT", "daysPerWeek"),
        ({"weeks": 0}, "INVALID_INPUT", "weeks"),
        ({"minutesPerSession": 100000}, "INVALID_INPUT", "minutesPerSession"),
        ({"name": ""}, "INVALID_INPUT", "name"),
    ]
    for overrides, code, field in cases:
        body = await api.graphql(CREATE_PROGRAM, {"input": program_input(**overrides)}, token)
        assert body["data"]["createProgram"]["code"] == code
        assert body["data"]["createProgram"]["field"] == field
    # Numbers beyond GraphQL's 32-bit Int and unknown enum values never reach a resolver.
    for overrides in ({"weeks": 10**12}, {"goal": "GET_HUGE"}, {"equipment": ["SPACESHIP"]}):
        body = await api.graphql(CREATE_PROGRAM, {"input": program_input(**overrides)}, token)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "Variable '$input'" in body["errors"][0]["message"]
    async with session_factory() as db:
        assert await db.scalar(select(func.count()).select_from(Program)) == 0


async def test_unknown_and_malformed_ids(api: Api, token: str) -> None:
    body = await api.graphql("query { program(id: 987654) { id } }", token=token)
    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    assert body["errors"][0]["message"] == "program 987654 does not exist"
    body = await api.graphql('query { session(id: "abc") { id } }', token=token)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    body = await api.graphql("query { session(id: -1) { id } }", token=token)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    body = await api.graphql("query { program(id: 1) { nope } }", token=token)
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    body = await api.graphql("query { program(id: ", token=token)
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_another_users_program_is_not_found(api: Api, make_token: UserMaker) -> None:
    owner, stranger = await make_token(), await make_token()
    program_id = await create_program(api, owner)
    mine = await api.graphql("query($id: ID!) { program(id: $id) { id } }", {"id": program_id}, owner)
    assert mine["data"]["program"]["id"] == program_id
    theirs = await api.graphql("query($id: ID!) { program(id: $id) { id } }", {"id": program_id}, stranger)
    assert theirs["errors"][0]["message"] == f"program {program_id} does not exist"
    listing = await api.graphql("query { programs { nodes { id } } }", token=stranger)
    assert listing["data"]["programs"]["nodes"] == []


async def test_programs_are_paginated_newest_first(api: Api, token: str) -> None:
    ids = [await create_program(api, token, name=f"P{i}", weeks=1) for i in range(5)]
    query = """query($after: String) {
      programs(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } }
    }"""
    seen: list[str] = []
    after = None
    while True:
        page = (await api.graphql(query, {"after": after}, token))["data"]["programs"]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(reversed(ids))
    for bad in ("first: 0", "first: 1000000000", 'after: "not-a-cursor"'):
        body = await api.graphql(f"query {{ programs({bad}) {{ nodes {{ id }} }} }}", token=token)
        assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT", bad


async def test_regenerate_sessions_enqueues_what_is_unfinished(
    api: Api,
    token: str,
    make_token: UserMaker,
    library: None,
    arq_pool: ArqRedis,
    redis: Redis,
    api_settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=3)
    await run_worker_until_idle(api_settings)
    async with session_factory() as db, db.begin():
        ids = list((await db.scalars(select(Session.id).where(Session.program_id == int(program_id)))).all())
        failed = await db.get(Session, ids[1])
        assert failed is not None
        failed.generation_status = GenerationStatus.FAILED

    body = (await api.graphql(REGENERATE, {"programId": program_id}, token))["data"]["regenerateSessions"]
    assert body["sessions"] == [{"id": str(ids[1]), "generationStatus": "PENDING"}]
    await run_worker_until_idle(api_settings)

    everything = await api.graphql(REGENERATE, {"programId": program_id, "all": True}, token)
    assert len(everything["data"]["regenerateSessions"]["sessions"]) == 3
    await run_worker_until_idle(api_settings)
    listed = await api.graphql(REGENERATE, {"programId": program_id, "ids": [str(ids[0])]}, token)
    assert listed["data"]["regenerateSessions"]["sessions"] == []  # COMPLETE, not includeComplete

    other_program = await create_program(api, token, weeks=1, daysPerWeek=1)
    smuggled = await api.graphql(REGENERATE, {"programId": other_program, "ids": [str(ids[0])]}, token)
    assert smuggled["data"]["regenerateSessions"]["code"] == "NOT_FOUND"
    stranger = await api.graphql(REGENERATE, {"programId": program_id}, await make_token())
    assert stranger["data"]["regenerateSessions"]["code"] == "NOT_FOUND"
    empty = await api.graphql(REGENERATE, {"programId": program_id, "ids": []}, token)
    assert empty["data"]["regenerateSessions"]["field"] == "sessionIds"


async def test_unexpected_errors_are_masked_and_logged_once(
    api: Api,
    token: str,
    library: None,
    session_factory: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from sqlalchemy import text

    async with session_factory() as db, db.begin():  # a real failure: the schema drifts under the app
        await db.execute(text("ALTER TABLE movements RENAME COLUMN slug TO slug_gone"))
    with caplog.at_level(logging.INFO):
        body = await api.graphql('{ movements(search: "squat") { name } }', token=token)
        not_found = await api.graphql("{ program(id: 424242) { id } }", token=token)
    error = body["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "slug" not in json.dumps(body) and "SELECT" not in json.dumps(body)
    assert not_found["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    records = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(records) == 1 and records[0].exc_info is not None
    assert "movements" in records[0].getMessage()
