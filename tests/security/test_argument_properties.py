"""Every argument of every operation, fed arbitrary values as a hostile client would.

The operations and their arguments are read from ``schema.graphql`` (checked against the code by
``tests/api/test_schema_sdl.py``), so a new argument is covered without touching this file; the
values come from ``tests.security.hostile_arguments``. Queries and mutations go as variables over
HTTP, subscriptions over a graphql-transport-ws socket, to the real app under uvicorn, as JSON
with every non-ASCII character escaped (so a lone surrogate travels as ``"\\ud800"``). The
properties: no 5xx, no ``INTERNAL_SERVER_ERROR``, nothing logged at ERROR, the socket is not
dropped, and the server still answers ``/healthz``.
"""

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from core.settings import Settings
from models import Role
from tests.api_client import UserMaker, running_api
from tests.program_requests import CREATE_PROGRAM, program_input
from tests.security.hostile_arguments import LONG, Operation, operations, variables_for

EXAMPLES_PER_OPERATION = 30  # 9 operations take arguments today: 270 requests
SENT_LONG = "(sent over 100,000 characters)"
Send = Callable[[str, Operation, dict[str, Any]], str]


def ascii_json(value: object) -> str:
    """JSON a client may send: a lone surrogate escaped as "\\ud800" (no UTF-8 encoder takes it)."""
    return json.dumps(value, ensure_ascii=True)


def codes_in(errors: object) -> list[str]:
    """Each error's ``extensions.code`` (an empty string where it has none)."""
    if not isinstance(errors, list):
        return []
    return [str((e.get("extensions") or {}).get("code") or "") for e in errors if isinstance(e, dict)]


def over_http(client: httpx.Client) -> Send:
    def send(token: str, operation: Operation, variables: dict[str, Any]) -> str:
        body = ascii_json({"query": operation.document, "variables": variables})
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        response = client.post("/graphql", content=body, headers=headers)
        assert response.status_code < 500, (response.status_code, response.text[:500])
        answer = response.json()
        codes = codes_in(answer.get("errors"))
        data = answer.get("data") or {}
        result = data.get(operation.field) if isinstance(data, dict) else None
        if isinstance(result, dict) and result.get("code"):  # a mutation's expected error
            codes.append(result["code"])
        assert "INTERNAL_SERVER_ERROR" not in codes and "INTERNAL" not in codes, answer
        return (
            codes[0] if codes else "data" if response.status_code == 200 else f"HTTP {response.status_code}"
        )

    return send


def over_websocket(sockets: dict[str, ClientConnection]) -> Send:
    """Each subscription on its token's socket, stopped (``complete``) after its first answer."""
    ids = iter(range(1, 1_000_000))

    def send(token: str, operation: Operation, variables: dict[str, Any]) -> str:
        ws, operation_id = sockets[token], str(next(ids))
        payload = {"query": operation.document, "variables": variables}
        ws.send(ascii_json({"id": operation_id, "type": "subscribe", "payload": payload}))
        while (message := json.loads(ws.recv(timeout=30))).get("id") != operation_id:
            pass  # an event of an earlier subscription, sent before its complete arrived
        ws.send(ascii_json({"id": operation_id, "type": "complete"}))
        kind = message["type"]
        codes = codes_in(
            message["payload"] if kind == "error" else (message.get("payload") or {}).get("errors")
        )
        assert "INTERNAL_SERVER_ERROR" not in codes, message
        return codes[0] if codes else "data" if kind == "next" else kind

    return send


def property_for(
    send: Send, tokens: list[str], operation: Operation, errors: Callable[[], int], outcomes: Counter[str]
) -> Callable[[], None]:
    """The property for one operation, bounded and reproducible (the same examples every run)."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(variables=variables_for(operation), token=st.sampled_from(tokens))
    def holds(variables: dict[str, Any], token: str) -> None:
        logged_before = errors()
        outcomes[send(token, operation, variables)] += 1
        assert errors() == logged_before, "logged at ERROR"
        if len(ascii_json(variables)) > LONG:
            outcomes[SENT_LONG] += 1

    return holds


def explore(base_url: str, tokens: list[str], errors: Callable[[], int]) -> dict[str, Counter[str]]:
    """Run the property for each operation; how each was answered."""
    explored: dict[str, Counter[str]] = {}
    ws_url = base_url.replace("http://", "ws://") + "/graphql"
    with httpx.Client(base_url=base_url, timeout=60) as client, ExitStack() as stack:
        sockets = {}
        for token in tokens:
            ws = stack.enter_context(
                connect(ws_url, subprotocols=[Subprotocol("graphql-transport-ws")], max_size=None)
            )
            ws.send(ascii_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(ws.recv(timeout=30))["type"] == "connection_ack"
            sockets[token] = ws
        senders = {
            "query": over_http(client),
            "mutation": over_http(client),
            "subscription": over_websocket(sockets),
        }
        for operation in operations():
            explored[operation.field] = Counter()
            send = senders[operation.kind]
            property_for(send, tokens, operation, errors, explored[operation.field])()
    return explored


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO):
        yield caplog


async def test_no_argument_value_makes_the_server_fail(
    api_settings: Settings,
    redis: Redis,
    library: None,
    make_token: UserMaker,
    logged: pytest.LogCaptureFixture,
) -> None:
    # Given a server whose limits let every value reach the resolvers (100,000 lone surrogates are
    # 600 KB of JSON; no rate limit cuts the mutations short), a coach's and an admin's program.
    roomy = api_settings.model_copy(update={"max_body_bytes": 2_000_000, "rate_limit_per_minute": 1_000_000})
    tokens = [await make_token(Role.COACH), await make_token(Role.ADMIN)]
    async with running_api(roomy) as api:
        for token in tokens:
            created = await api.graphql(CREATE_PROGRAM, {"input": program_input(weeks=1)}, token)
            assert created["data"]["createProgram"]["__typename"] == "CreateProgramSuccess"

        def errors() -> int:
            return sum(r.levelno >= logging.ERROR for r in logged.records)

        # When each operation is sent arbitrary values for its arguments (a thread: the server
        # runs on this loop), then each answer is a 4xx or a typed error.
        explored = await asyncio.to_thread(explore, api.base_url, tokens, errors)

        health = await api.client.get("/healthz")
    print("\n".join(f"{field}: {dict(answers)}" for field, answers in explored.items()))
    assert set(explored) == {op.field for op in operations()} and len(explored) >= 9
    # The values reached the services (not all refused by GraphQL's type checks), and some passed.
    everything = sum(explored.values(), Counter[str]())
    assert everything["INVALID_INPUT"] > 0 and everything["BAD_USER_INPUT"] > 0 and everything["data"] > 0
    assert everything[SENT_LONG] > 0
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert [r.getMessage() for r in logged.records if r.levelno >= logging.ERROR] == []
