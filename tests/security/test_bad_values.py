"""Bad values and a Redis outage, sent as a hostile or unlucky client would: each gets a typed
answer naming the argument at fault, nothing internal leaks, and nothing is logged at ERROR."""

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.job_queue import ArqJobQueue
from core.settings import Settings
from jobs.reconciler import reconcile_sessions
from models import Equipment, GenerationStatus, Level, Pattern, Program, Session
from services.library.movement_catalogue import MovementSpec
from services.library.movement_library import upsert_movements
from services.unit_of_work import UnitOfWorkFactory
from tests.api_client import Api, UserMaker, running_api
from tests.program_requests import CREATE_PROGRAM, REGENERATE, program_input
from tests.servers import OwnRedis
from tests.statement_counting import counting_statements

Factory = async_sessionmaker[AsyncSession]

MOVEMENTS = "query($search: String) { movements(search: $search, first: 500) { name } }"
PROGRAM = "query($id: ID!) { program(id: $id) { id } }"
SESSION = "query($id: ID!) { session(id: $id) { id generationStatus } }"
SESSION_IDS = "query($id: ID!) { program(id: $id) { sessions { id } } }"


async def post(api: Api, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    """POST a GraphQL request as JSON with every non-ASCII character escaped, so that strings no
    UTF-8 encoder takes (a lone surrogate) reach the server as a client could send them."""
    response = await api.client.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": variables}).encode("ascii"),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO):
        yield caplog


def above(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records if r.levelno > level]


async def rate_keys(redis: Redis) -> list[bytes]:
    return [key async for key in redis.scan_iter("liftplan:rate:*")]


async def test_text_postgresql_cannot_hold_is_invalid_input_on_its_field_and_costs_no_slot(
    api: Api,
    token: str,
    library: None,
    redis: Redis,
    session_factory: Factory,
    logged: pytest.LogCaptureFixture,
) -> None:
    for bad in ("a\x00b", "a\ud800b", "\udfff"):
        created = await post(api, CREATE_PROGRAM, {"input": program_input(name=bad)}, token)
        answer = created["data"]["createProgram"]
        assert (answer["code"], answer["field"]) == ("INVALID_INPUT", "name"), answer

        found = await post(api, MOVEMENTS, {"search": bad}, token)
        assert found["data"] is None
        assert found["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "search"}
        assert found["errors"][0]["message"].startswith("search must")

        for cursor in (bad, "cHJvZ3JhbTox" + bad, bad * 5_000):
            page = await post(
                api, "query($c: String) { programs(after: $c) { nodes { id } } }", {"c": cursor}, token
            )
            assert page["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "after"}
            assert len(page["errors"][0]["message"]) < 400  # not the whole cursor echoed

    assert await rate_keys(redis) == []  # refused before the rate limiter counted anything
    async with session_factory() as db:
        assert await db.scalar(select(func.count()).select_from(Program)) == 0
    assert above(logged, logging.INFO) == []


async def test_a_start_date_out_of_range_is_invalid_input_on_start_date(
    api: Api, token: str, library: None, redis: Redis, logged: pytest.LogCaptureFixture
) -> None:
    today = dt.date.today()
    for start in ("9999-12-31", "0001-01-01", (today + dt.timedelta(days=6 * 366)).isoformat()):
        created = await post(api, CREATE_PROGRAM, {"input": program_input(startDate=start, weeks=52)}, token)
        answer = created["data"]["createProgram"]
        assert (answer["code"], answer["field"]) == ("INVALID_INPUT", "startDate"), answer
        assert "within 5 years of today" in answer["message"]
    assert await rate_keys(redis) == []

    created = await post(
        api, CREATE_PROGRAM, {"input": program_input(startDate=(today.replace(day=1)).isoformat())}, token
    )
    assert created["data"]["createProgram"]["__typename"] == "CreateProgramSuccess"
    assert above(logged, logging.INFO) == []


async def test_search_matches_percent_and_underscore_literally(
    api: Api, token: str, library: None, session_factory: Factory, logged: pytest.LogCaptureFixture
) -> None:
    async with session_factory() as db, db.begin():
        await upsert_movements(
            db,
            [
                MovementSpec(
                    name="100% Sled_Push \\ Max",
                    slug="100-sled-push-max",
                    pattern=Pattern.CARRY,
                    equipment=frozenset({Equipment.BODYWEIGHT}),
                    level=Level.BEGINNER,
                    is_compound=True,
                    is_unilateral=False,
                    primary_muscles=("quads",),
                    aliases=(),
                )
            ],
        )
    everything = await post(api, MOVEMENTS, {"search": None}, token)
    assert len(everything["data"]["movements"]) > 100

    for needle in ("%", "_", "\\", "0% s", "d_p"):
        found = await post(api, MOVEMENTS, {"search": needle}, token)
        assert found["data"]["movements"] == [{"name": "100% Sled_Push \\ Max"}], needle
    assert (await post(api, MOVEMENTS, {"search": "%%"}, token))["data"]["movements"] == []
    assert above(logged, logging.INFO) == []


async def test_ids_are_ascii_digits_only_in_every_argument(
    api: Api, token: str, library: None, logged: pytest.LogCaptureFixture
) -> None:
    created = await post(api, CREATE_PROGRAM, {"input": program_input(weeks=1, daysPerWeek=1)}, token)
    program_id = created["data"]["createProgram"]["program"]["id"]
    assert program_id == "1"  # so that a fullwidth one would name a real program
    [session] = (await post(api, SESSION_IDS, {"id": program_id}, token))["data"]["program"]["sessions"]

    for bad in ("\uff11", "\u0661", " 1", "1 ", "+1", "1_0", "1\x00", "\ud800", "9" * 5000):
        for query, variables, field in (
            (PROGRAM, {"id": bad}, "id"),
            (SESSION, {"id": bad}, "id"),
            (REGENERATE, {"programId": bad, "ids": None, "all": False}, "programId"),
            (REGENERATE, {"programId": program_id, "ids": [session["id"], bad], "all": False}, "sessionIds"),
        ):
            body = await post(api, query, variables, token)
            error = body["errors"][0] if body.get("errors") else body["data"]["regenerateSessions"]
            extensions = error.get("extensions") or {"code": error["code"], "field": error["field"]}
            assert (extensions["code"], extensions["field"]) == ("INVALID_INPUT", field), (bad, body)
            assert len(json.dumps(body)) < 2_000  # the value is not echoed in full
    assert above(logged, logging.INFO) == []


async def test_not_found_names_the_argument_that_was_sent(api: Api, token: str) -> None:
    body = await post(api, PROGRAM, {"id": "987654"}, token)
    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    body = await post(api, SESSION, {"id": "987654"}, token)
    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    body = await post(api, REGENERATE, {"programId": "987654", "ids": None, "all": False}, token)
    assert body["data"]["regenerateSessions"]["field"] == "programId"


async def test_another_users_session_and_a_missing_one_run_the_same_statements(
    api: Api, make_token: UserMaker, library: None, logged: pytest.LogCaptureFixture
) -> None:
    owner, stranger = await make_token(), await make_token()
    created = await post(api, CREATE_PROGRAM, {"input": program_input(weeks=1, daysPerWeek=2)}, owner)
    program_id = created["data"]["createProgram"]["program"]["id"]
    sessions = (await post(api, SESSION_IDS, {"id": program_id}, owner))["data"]["program"]["sessions"]
    theirs = sessions[0]["id"]
    missing = str(int(sessions[-1]["id"]) + 1000)

    answers, statements = {}, {}
    for session_id in (theirs, missing, theirs, missing):  # twice each: warm caches alike
        with counting_statements() as executed:
            body = await post(api, SESSION, {"id": session_id}, stranger)
        answers[session_id] = json.dumps(body).replace(f"session {session_id} ", "session <id> ")
        statements[session_id] = executed

    assert answers[theirs] == answers[missing]
    assert json.loads(answers[theirs])["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    assert statements[theirs] == statements[missing]
    assert len(statements[theirs]) == 2, statements[theirs]  # the token, then the visible session
    mine = await post(api, SESSION, {"id": theirs}, owner)
    assert mine["data"]["session"]["generationStatus"] in {s.value for s in GenerationStatus}
    assert above(logged, logging.INFO) == []


async def test_create_program_and_regenerate_while_redis_is_down_go_through_unthrottled(
    api_settings: Settings,
    make_token: UserMaker,
    library: None,
    session_factory: Factory,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    own_redis = OwnRedis(tmp_path / "redis")
    own_redis.start()
    try:
        settings = api_settings.model_copy(update={"redis_url": own_redis.url})
        token = await make_token()
        with caplog.at_level(logging.INFO):
            async with running_api(settings) as api:
                own_redis.stop()
                created = await post(api, CREATE_PROGRAM, {"input": program_input(weeks=2)}, token)
                answer = created["data"]["createProgram"]
                assert answer["__typename"] == "CreateProgramSuccess", created
                program_id = answer["program"]["id"]
                regenerated = await post(
                    api, REGENERATE, {"programId": program_id, "ids": None, "all": True}, token
                )
                assert regenerated["data"]["regenerateSessions"]["__typename"] == (
                    "RegenerateSessionsSuccess"
                ), regenerated
                own_redis.start()
        assert above(caplog, logging.WARNING) == []
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert any(message.startswith("Redis unreachable") for message in warnings), warnings

        async with session_factory() as db:
            statuses = (
                await db.scalars(
                    select(Session.generation_status).where(Session.program_id == int(program_id))
                )
            ).all()
        assert statuses and set(statuses) == {GenerationStatus.PENDING}

        # Redis is back: the reconciler queues what was committed meanwhile.
        pool = await create_pool(RedisSettings.from_dsn(own_redis.url))
        try:
            report = await reconcile_sessions(
                UnitOfWorkFactory(session_factory), ArqJobQueue(pool), settings, older_than=dt.timedelta(0)
            )
        finally:
            await pool.aclose()
        assert len(report.requeued) == len(statuses)
    finally:
        own_redis.stop()


async def test_session_id_lists_no_request_may_name_cost_no_slot(
    api: Api, token: str, library: None, redis: Redis, logged: pytest.LogCaptureFixture
) -> None:
    """An empty list, or more ids than one request may name, over GraphQL and the JSON route."""
    created = await post(api, CREATE_PROGRAM, {"input": program_input(weeks=1, daysPerWeek=1)}, token)
    program_id = created["data"]["createProgram"]["program"]["id"]
    too_many = [str(i) for i in range(1, 1_002)]
    for ids in ([], too_many):
        answer = (await post(api, REGENERATE, {"programId": program_id, "ids": ids}, token))["data"]
        assert (answer["regenerateSessions"]["code"], answer["regenerateSessions"]["field"]) == (
            "INVALID_INPUT",
            "sessionIds",
        )
        response = await api.client.post(
            f"/programs/{program_id}/regenerate-sessions",
            json={"sessionIds": ids},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 400 and response.json()["error"]["field"] == "sessionIds"
    assert [key async for key in redis.scan_iter("liftplan:rate:regenerateSessions:*")] == []
    assert above(logged, logging.INFO) == []


async def test_a_hung_redis_never_hangs_a_mutation(
    api_settings: Settings, make_token: UserMaker, library: None, tmp_path: Path
) -> None:
    """Redis accepts connections but answers nothing (stopped with SIGSTOP): the rate limiter and
    the enqueue give up after their socket timeout, and the program is created."""
    own_redis = OwnRedis(tmp_path / "redis")
    own_redis.start()
    try:
        settings = api_settings.model_copy(update={"redis_url": own_redis.url})
        token = await make_token()
        async with running_api(settings) as api:
            await post(api, PROGRAM, {"id": "1"}, token)  # the pools hold live connections now
            own_redis.freeze()
            try:
                async with asyncio.timeout(60):  # without socket timeouts it waits for ever
                    created = await post(api, CREATE_PROGRAM, {"input": program_input(weeks=1)}, token)
            finally:
                own_redis.thaw()
            assert created["data"]["createProgram"]["__typename"] == "CreateProgramSuccess", created
    finally:
        own_redis.stop()
