"""``POST /programs/{id}/regenerate-sessions``: the seed's JSON route beside GraphQL. Same auth,
same service, same error codes (as JSON, with HTTP statuses), same jobs as ``regenerateSessions``."""

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.job_queue import generation_job_id
from core.settings import Settings
from models import GenerationStatus, Session
from tests.api_client import Api, UserMaker, running_api
from tests.program_requests import REGENERATE, create_program
from tests.workers import run_worker_until_idle

Factory = async_sessionmaker[AsyncSession]
ARQ_QUEUE = "arq:queue"


def route(program_id: object) -> str:
    return f"/programs/{program_id}/regenerate-sessions"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _sessions(factory: Factory, program_id: str) -> dict[int, tuple[GenerationStatus, int]]:
    async with factory() as db:
        rows = await db.execute(
            select(Session.id, Session.generation_status, Session.generation_attempts)
            .where(Session.program_id == int(program_id))
            .order_by(Session.id)
        )
        return {sid: (status, attempts) for sid, status, attempts in rows.all()}


async def _queued(redis: Redis) -> set[str]:
    return {job.decode() for job in await redis.zrange(ARQ_QUEUE, 0, -1)}


async def test_regenerates_like_the_mutation_and_enqueues_the_same_jobs(
    api: Api, token: str, library: None, redis: Redis, api_settings: Settings, session_factory: Factory
) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=3)
    await run_worker_until_idle(api_settings)
    before = await _sessions(session_factory, program_id)
    assert {status for status, _ in before.values()} == {GenerationStatus.COMPLETE}
    assert await _queued(redis) == set()
    ids = list(before)

    # Everything COMPLETE and no includeComplete: nothing to do, nothing enqueued.
    nothing = await api.client.post(route(program_id), headers=bearer(token))
    assert nothing.status_code == 200 and nothing.json() == {"sessions": []}
    assert await _queued(redis) == set()

    one = await api.client.post(
        route(program_id), headers=bearer(token), json={"sessionIds": [str(ids[1])], "includeComplete": True}
    )
    assert one.status_code == 200, one.text
    assert one.json() == {"sessions": [{"id": str(ids[1]), "generationStatus": "PENDING"}]}
    assert await _queued(redis) == {generation_job_id(ids[1])}

    every = await api.client.post(route(program_id), headers=bearer(token), json={"includeComplete": True})
    assert every.status_code == 200
    assert sorted(s["id"] for s in every.json()["sessions"]) == sorted(str(i) for i in ids)
    assert await _queued(redis) == {generation_job_id(i) for i in ids}

    await run_worker_until_idle(api_settings)  # the jobs the route enqueued are real generation jobs
    after = await _sessions(session_factory, program_id)
    assert {status for status, _ in after.values()} == {GenerationStatus.COMPLETE}
    # A new run each, one attempt: enqueued twice while still queued, ids[1] still ran once (same job id).
    assert {sid: attempts for sid, (_, attempts) in after.items()} == dict.fromkeys(before, 1)


async def test_unknown_and_someone_elses_program_are_the_same_404(
    api: Api, token: str, make_token: UserMaker, session_factory: Factory
) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=2)
    stranger = await make_token()
    state = await _sessions(session_factory, program_id)

    unknown = await api.client.post(route(987654), headers=bearer(token))
    theirs = await api.client.post(
        route(program_id), headers=bearer(stranger), json={"includeComplete": True}
    )
    assert unknown.status_code == theirs.status_code == 404
    assert unknown.json() == {
        "error": {"code": "NOT_FOUND", "message": "program 987654 does not exist", "field": "programId"}
    }
    message = f"program {program_id} does not exist"
    assert theirs.json() == {"error": {"code": "NOT_FOUND", "message": message, "field": "programId"}}
    # A session of someone else's program smuggled through sessionIds into one's own program.
    own = await create_program(api, stranger, weeks=1, daysPerWeek=1)
    smuggled = await api.client.post(
        route(own), headers=bearer(stranger), json={"sessionIds": [str(next(iter(state)))]}
    )
    assert smuggled.status_code == 404 and smuggled.json()["error"]["code"] == "NOT_FOUND"
    assert await _sessions(session_factory, program_id) == state  # nothing changed


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer lp_" + "x" * 43},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ],
    ids=["missing", "wrong", "not-bearer", "empty"],
)
async def test_bad_or_missing_token_is_401(api: Api, token: str, headers: dict[str, str]) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=1)
    for target in (program_id, 987654):  # the same answer whether or not the program exists
        response = await api.client.post(route(target), headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"]["code"] == "UNAUTHENTICATED"


async def test_malformed_requests_are_400_invalid_input(api: Api, token: str) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=1)
    cases: list[tuple[str, dict[str, Any], str | None]] = [
        (route(program_id), {"content": "not json"}, None),
        (route(program_id), {"content": "[1, 2]"}, None),
        (route(program_id), {"content": '{"sessionIds": "1"}'}, "sessionIds"),
        (route(program_id), {"content": '{"sessionIds": ["abc"]}'}, "sessionIds"),
        (route(program_id), {"content": '{"includeComplete": "yes"}'}, "includeComplete"),
        (route("abc"), {"content": "{}"}, "programId"),
    ]
    json_type = {"Content-Type": "application/json"}
    for url, body, field in cases:
        response = await api.client.post(url, headers=bearer(token) | json_type, **body)
        assert response.status_code == 400, (url, body, response.text)
        error = response.json()["error"]
        assert error["code"] == "INVALID_INPUT" and error["field"] == field, error
    too_big = await api.client.post(route(program_id), headers=bearer(token), content=b"{" + b" " * 100_001)
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.fixture
async def limited_api(api_settings: Settings, redis: Redis) -> AsyncIterator[Api]:
    async with running_api(api_settings.model_copy(update={"rate_limit_per_minute": 2})) as api:
        yield api


async def test_rate_limit_is_429_with_retry_after_and_shared_with_graphql(
    limited_api: Api, token: str
) -> None:
    api = limited_api
    program_id = await create_program(api, token, weeks=1, daysPerWeek=1)
    statuses: list[int] = []
    response: httpx.Response | None = None
    # A fixed one-minute window: if a minute boundary passes mid-loop, the count restarts once.
    for _ in range(6):
        response = await api.client.post(route(program_id), headers=bearer(token))
        statuses.append(response.status_code)
        if response.status_code != 200:
            break
    assert response is not None and response.status_code == 429, statuses
    assert statuses.count(200) >= 2
    assert 1 <= int(response.headers["retry-after"]) <= 60
    error = response.json()["error"]
    assert error["code"] == "RATE_LIMITED" and "retry in" in error["message"]
    # The same per-user budget as the mutation: one service, one limit.
    body = await api.graphql(REGENERATE, {"programId": program_id}, token)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "RATE_LIMITED", body


async def test_a_body_that_is_not_json_is_415_and_changes_nothing(
    api: Api,
    token: str,
    library: None,
    redis: Redis,
    api_settings: Settings,
    session_factory: Factory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=2)
    await run_worker_until_idle(api_settings)
    before = await _sessions(session_factory, program_id)
    bodies: list[dict[str, Any]] = [
        {"content": '{"includeComplete": true}', "headers": {"Content-Type": "text/plain"}},
        {"data": {"includeComplete": "true"}},  # application/x-www-form-urlencoded
        {"files": {"includeComplete": b"true"}},  # multipart/form-data
        {"content": '{"includeComplete": true}'},  # a body with no Content-Type at all
    ]
    for body in bodies:
        headers = bearer(token) | body.pop("headers", {})
        response = await api.client.post(route(program_id), headers=headers, **body)
        assert response.status_code == 415, (body, response.text)
        assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"

    assert await _sessions(session_factory, program_id) == before  # nothing regenerated
    assert await _queued(redis) == set()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    ok = await api.client.post(route(program_id), headers=bearer(token), json={"includeComplete": True})
    assert ok.status_code == 200 and len(ok.json()["sessions"]) == len(before)
