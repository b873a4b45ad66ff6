"""No single request can take the service down; each abusive one is refused with its code while
a well-behaved client on the same server keeps getting answers."""

import asyncio
import json
import time
from typing import Any

import pytest
from graphql import get_introspection_query
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from core.settings import Environment, Settings
from services.adapters.redis_rate_limits import WINDOW_S
from tests.api.ws_client import graphql_socket
from tests.api_client import Api, UserMaker, running_api
from tests.program_requests import REGENERATE, create_program

PROGRESS = "subscription($id: ID!) { programGenerationProgress(programId: $id) { total } }"
WATCH = "subscription($id: ID!) { sessionStatusChanged(programId: $id) { sessionId status } }"


async def still_serving(api: Api, token: str) -> None:
    body = await api.graphql("{ viewer { role } }", token=token)
    assert body["data"]["viewer"]["role"] == "COACH"


def code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


async def test_deep_query_is_refused(api: Api, token: str) -> None:
    nested = "__typename " + "".join("ofType { " for _ in range(25)) + "name" + " }" * 25
    deep_introspection = "{ __schema { types { fields { type { " + nested + " } } } } }"
    body = await api.graphql(deep_introspection, token=token)
    assert code(body) == "GRAPHQL_VALIDATION_FAILED" and "exceeds maximum operation depth" in str(body)
    view = "{ programs(first: 2) { nodes { microcycles { sessions { exercises { movement { name } } } } } } }"
    assert "errors" not in await api.graphql(view, token=token)  # the front end's own depth is fine
    full = get_introspection_query(descriptions=True, specified_by_url=True, input_value_deprecation=True)
    assert "errors" not in await api.graphql(full, token=token)  # what GraphiQL sends
    await still_serving(api, token)


async def test_alias_bombs_are_refused_also_inside_fragments(api: Api, token: str) -> None:
    bomb = "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(1000)) + " }"
    body = await api.graphql(bomb, token=token)  # 1,000 aliases: over the token limit already
    assert code(body) == "GRAPHQL_PARSE_FAILED" and "more than 5000 tokens" in str(body)
    body = await api.graphql(
        "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(100)) + " }", token=token
    )
    assert code(body) == "GRAPHQL_VALIDATION_FAILED" and "aliases" in str(body)
    # CVE-2026-47707: the same aliases spread over nested fragments must still be counted.
    fragments = " ".join(
        f"fragment F{i} on Query {{ {' '.join(f'f{i}_{j}: viewer {{ role }}' for j in range(10))} "
        + (f"...F{i + 1} }}" if i < 9 else "}")
        for i in range(10)
    )
    body = await api.graphql("{ ...F0 } " + fragments, token=token)
    assert code(body) == "GRAPHQL_VALIDATION_FAILED" and "aliases" in str(body)
    await still_serving(api, token)


async def test_huge_documents_and_page_sizes_are_refused(api: Api, token: str) -> None:
    many_fields = "{ viewer { " + " ".join("role" for _ in range(6000)) + " } }"
    body = await api.graphql(many_fields, token=token)
    assert code(body) == "GRAPHQL_PARSE_FAILED" and "more than 5000 tokens" in str(body)
    body = await api.graphql("{ programs(first: 1000000000) { nodes { id } } }", token=token)
    assert code(body) == "INVALID_INPUT"
    await still_serving(api, token)


async def test_rapid_regenerate_calls_are_rate_limited_per_user(
    api: Api, token: str, make_token: UserMaker
) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=1)
    # The limit is per one-minute window, and on a slow machine the 100 calls may span two: each
    # window may allow 30, no more (a call is placed in a window when it began and ended in it).
    by_window: dict[int, list[bool]] = {}
    touched: set[int] = set()
    limited = []
    for _ in range(100):
        began = int(time.time() // WINDOW_S)
        answer = await api.graphql(REGENERATE, {"programId": program_id}, token)
        ended = int(time.time() // WINDOW_S)
        touched |= {began, ended}
        refused = [error["extensions"] for error in answer.get("errors") or []]
        if refused:  # the request's own failure: a top-level error, as for a query, and no data
            assert answer["data"] is None and [e["code"] for e in refused] == ["RATE_LIMITED"], answer
            limited.append(refused[0])
        else:
            assert answer["data"]["regenerateSessions"]["__typename"] == "RegenerateSessionsSuccess", answer
        if ended == began:
            by_window.setdefault(began, []).append(not refused)
    assert all(sum(allowed) <= 30 for allowed in by_window.values()), by_window
    assert 30 <= 100 - len(limited) <= 30 * len(touched)
    assert all(0 < r["retryAfterSeconds"] <= 60 for r in limited)
    other = await make_token()
    await still_serving(api, other)
    other_program = await create_program(api, other, weeks=1, daysPerWeek=1)
    ok = await api.graphql(REGENERATE, {"programId": other_program}, other)
    assert ok["data"]["regenerateSessions"]["__typename"] == "RegenerateSessionsSuccess"


async def test_ten_thousand_subscribes_on_one_socket_are_capped(api: Api, token: str) -> None:
    """CVE-2026-35526: one socket must not flood the process with subscriptions."""
    program_id = await create_program(api, token, weeks=1, daysPerWeek=1)
    async with graphql_socket(api.ws_url) as flood, graphql_socket(api.ws_url) as polite:
        await flood.init(token)
        await polite.init(token)
        for i in range(10_000):
            await flood.send(
                {
                    "id": f"s{i}",
                    "type": "subscribe",
                    "payload": {"query": PROGRESS, "variables": {"id": program_id}},
                }
            )
        refusals = 0
        while refusals < 10_000 - 20:
            message = await flood.receive(timeout=30)
            if message["type"] == "error":
                assert "Subscription limit reached" in json.dumps(message)
                refusals += 1
        op = await polite.subscribe(PROGRESS, {"id": program_id})
        assert (await anext(polite.messages(op)))["data"]["programGenerationProgress"]["total"] == 1
    await still_serving(api, token)


async def test_subscriptions_per_user_are_capped_across_sockets(
    api_settings: Settings, token: str, make_token: UserMaker
) -> None:
    settings = api_settings.model_copy(update={"max_subscriptions_per_user": 3})
    async with running_api(settings) as api:
        program_id = await create_program(api, token, weeks=1, daysPerWeek=1)
        sockets = [graphql_socket(api.ws_url) for _ in range(4)]
        opened = [await s.__aenter__() for s in sockets]
        try:
            for socket in opened:
                await socket.init(token)
            for socket in opened[:3]:
                op = await socket.subscribe(WATCH, {"id": program_id})
                assert (await anext(socket.messages(op)))["data"]["sessionStatusChanged"][
                    "status"
                ] == "PENDING"
            await opened[3].subscribe(WATCH, {"id": program_id})
            refused = await opened[3].receive()
            assert "RATE_LIMITED" in json.dumps(refused) and "at most 3 live subscriptions" in json.dumps(
                refused
            )
        finally:
            for s in sockets:
                await s.__aexit__(None, None, None)


async def test_legacy_protocol_needs_connection_init_and_releases_slots(api: Api, token: str) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=1)
    start = {"type": "start", "payload": {"query": PROGRESS, "variables": {"id": program_id}}}
    # CVE-2026-35523: a legacy client that skips connection_init must not get past authentication.
    async with connect(api.ws_url, subprotocols=[Subprotocol("graphql-ws")]) as ws:
        await ws.send(json.dumps({**start, "id": "1"}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    # CVE-2026-107727: stopped legacy subscriptions must give their slot back (cap is 20).
    async with connect(api.ws_url, subprotocols=[Subprotocol("graphql-ws")]) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        for i in range(50):
            await ws.send(json.dumps({**start, "id": str(i)}))
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if message["type"] == "ka" or (message["type"] == "complete" and message["id"] != str(i)):
                    continue  # keep-alives, and the completion of the subscription stopped before
                assert message["type"] == "data" and message["id"] == str(i), message
                break
            await ws.send(json.dumps({"type": "stop", "id": str(i)}))
    await still_serving(api, token)


async def test_production_mode_hides_graphiql_and_introspection(api_settings: Settings, token: str) -> None:
    settings = api_settings.model_copy(update={"liftplan_env": Environment.PRODUCTION})
    async with running_api(settings) as api:
        page = await api.client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 404 or "graphiql" not in page.text.lower()
        body = await api.graphql("{ __schema { types { name } } }", token=token)
        assert code(body) == "GRAPHQL_VALIDATION_FAILED" and "introspection" in str(body).lower()
        await still_serving(api, token)
    enabled = settings.model_copy(update={"graphiql_enabled": True, "introspection_enabled": True})
    async with running_api(enabled) as api:
        assert "graphiql" in (await api.client.get("/graphql", headers={"Accept": "text/html"})).text.lower()


async def test_malformed_http_bodies_get_4xx_on_the_real_app(api: Api, token: str) -> None:
    """The request guard is wired in front of the real endpoint (its rules: test_request_guard)."""
    auth = {"Authorization": f"Bearer {token}"}
    cases = [
        (b"[1, 2]", "application/json", 400),
        (b"[" * 100_000, "application/json", 400),
        (b"\xff\xfe{}", "application/json", 400),
        (b'{"query": "{ viewer { role } }"}', "text/plain", 415),
        (b'{"query": "' + b"x" * 200_000 + b'"}', "application/json", 413),
        (b'{"query": "query A { viewer { role } } query B { viewer { email } }"}', "application/json", 400),
    ]
    for body, content_type, status in cases:
        response = await api.client.post(
            "/graphql", content=body, headers={**auth, "Content-Type": content_type}
        )
        assert response.status_code == status, (body[:40], response.text)
        assert response.json()["errors"][0]["extensions"]["code"]
    await still_serving(api, token)
