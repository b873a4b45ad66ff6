"""What HTTP cannot run is refused as a GraphQL error with a code, never run half-way: a
subscription needs a WebSocket (UNAUTHENTICATED first without a token), a mutation needs POST,
an unknown ``operationName`` or a missing query is a bad request. Nothing is logged at ERROR."""

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Program
from tests.api_client import Api

WATCH = "subscription($p: ID!) { programGenerationProgress(programId: $p) { total finished } }"
REPAIR = "mutation { repairProgram(programId: 1) { __typename } }"
NAMED = "mutation Create($input: CreateProgramInput!) { createProgram(input: $input) { __typename } }"


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO):
        yield caplog


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


def refusal(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The one error of a GraphQL-shaped refusal with ``status`` and ``code``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"errors"}, body
    [error] = body["errors"]
    assert error["extensions"] == {"code": code}, error
    return error


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


async def send_subscription(api: Api, method: str, token: str | None) -> httpx.Response:
    variables = {"p": "1"}
    if method == "GET":
        params = {"query": WATCH, "variables": json.dumps(variables)}
        return await api.client.get("/graphql", params=params, headers=bearer(token))
    return await api.client.post(
        "/graphql", json={"query": WATCH, "variables": variables}, headers=bearer(token)
    )


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_subscription_over_http_needs_a_websocket_and_a_token_first(
    api: Api, token: str, method: str, logged: pytest.LogCaptureFixture
) -> None:
    for _ in range(3):  # the same answer every time, and not one traceback per request
        with_token = refusal(await send_subscription(api, method, token), 400, "SUBSCRIPTION_NEEDS_WEBSOCKET")
        assert "WebSocket" in with_token["message"] and "graphql-transport-ws" in with_token["message"]

        for anonymous in (None, "lp_" + "x" * 43):  # no token, then a token nobody has
            response = await send_subscription(api, method, anonymous)
            refusal(response, 401, "UNAUTHENTICATED")
            assert response.headers["www-authenticate"] == "Bearer"
    assert errors_logged(logged) == []


async def test_a_mutation_over_get_is_405_with_allow_and_runs_nothing(
    api: Api, token: str, session_factory: async_sessionmaker[AsyncSession], logged: pytest.LogCaptureFixture
) -> None:
    response = await api.client.get("/graphql", params={"query": REPAIR}, headers=bearer(token))
    error = refusal(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST" and "POST" in error["message"]

    variables = json.dumps({"input": {"name": "x"}})
    created = await api.client.get(
        "/graphql", params={"query": NAMED, "variables": variables}, headers=bearer(token)
    )
    refusal(created, 405, "METHOD_NOT_ALLOWED")
    async with session_factory() as db:
        assert await db.scalar(select(func.count()).select_from(Program)) == 0

    # Without a valid token, that comes first: the client learns nothing else.
    refusal(await api.client.get("/graphql", params={"query": REPAIR}), 401, "UNAUTHENTICATED")
    assert errors_logged(logged) == []


async def test_an_unknown_operation_name_or_no_query_is_a_coded_400(
    api: Api, token: str, logged: pytest.LogCaptureFixture
) -> None:
    document = "query A { viewer { email } } query B { viewer { role } }"
    for send in (
        api.client.post("/graphql", json={"query": document, "operationName": "C"}, headers=bearer(token)),
        api.client.get("/graphql", params={"query": document, "operationName": "C"}, headers=bearer(token)),
    ):
        error = refusal(await send, 400, "BAD_REQUEST")
        assert error["message"] == 'Unknown operation named "C".'

    empty = await api.client.post("/graphql", json={"query": ""}, headers=bearer(token))
    assert "no GraphQL query" in refusal(empty, 400, "BAD_REQUEST")["message"]

    # The names that do exist still run.
    answer = await api.client.post(
        "/graphql", json={"query": document, "operationName": "B"}, headers=bearer(token)
    )
    assert answer.status_code == 200 and answer.json()["data"]["viewer"]["role"] == "COACH"
    assert errors_logged(logged) == []
