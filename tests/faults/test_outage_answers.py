"""What each door answers while PostgreSQL or Redis is stopped for real (servers these tests own),
the app in this process under uvicorn so that its log is read record by record: a typed
UNAVAILABLE with retry advice, never a plain-text 500, never an ERROR; ``/readyz`` says which
dependency is away and keeps the reason for the log."""

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from core.settings import Settings
from tests.api_client import Api, running_api
from tests.faults.fault_support import OwnServers, coach_token
from tests.program_requests import CREATE_PROGRAM, PROGRAM_VIEW, program_input
from tests.waiting import eventually

VIEWER = "{ viewer { email } }"
WATCH = "subscription($p: ID!) { programGenerationProgress(programId: $p) { total } }"


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def records(caplog: pytest.LogCaptureFixture, level: int, name: str = "") -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno == level and r.name.startswith(name)
    ]


def unavailable(response: httpx.Response) -> dict[str, Any]:
    """The one error of an answer that is only an outage: 503, Retry-After, GraphQL-shaped."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["retry-after"] == "2"
    body = response.json()
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAVAILABLE" and "retry" in error["message"], error
    return error


async def socket_close_code(api: Api, token: str) -> int | None:
    async with connect(api.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        try:
            await asyncio.wait_for(ws.recv(), 10)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
    return None


async def test_every_request_while_postgresql_is_down_is_unavailable_with_retry_advice(
    own_servers: OwnServers,
    own_database_url: str,
    own_redis_url: str,
    own_engine: AsyncEngine,
    logged: pytest.LogCaptureFixture,
) -> None:
    token = await coach_token(own_engine)
    await own_engine.dispose()
    auth = {"Authorization": f"Bearer {token}"}
    async with running_api(Settings(database_url=own_database_url, redis_url=own_redis_url)) as api:
        client = api.client
        created = await api.graphql(CREATE_PROGRAM, {"input": program_input(weeks=1, daysPerWeek=1)}, token)
        program_id = created["data"]["createProgram"]["program"]["id"]
        await api.graphql(PROGRAM_VIEW, {"id": program_id}, token)  # in the response cache now
        await asyncio.to_thread(own_servers.postgres.stop)
        try:
            # Given PostgreSQL stopped, when each door is tried, then each says UNAVAILABLE.
            unavailable(await client.post("/graphql", json={"query": VIEWER}, headers=auth))
            unavailable(await client.get("/graphql", params={"query": VIEWER}, headers=auth))
            view = {"query": PROGRAM_VIEW, "variables": {"id": program_id}}
            unavailable(await client.post("/graphql", json=view, headers=auth))  # not served stale
            unavailable(
                await client.post("/graphql", json={"query": WATCH, "variables": {"p": "1"}}, headers=auth)
            )
            # A token nobody has cannot be told from a good one now: UNAVAILABLE, not UNAUTHENTICATED.
            unavailable(
                await client.post(
                    "/graphql", json={"query": VIEWER}, headers={"Authorization": "Bearer lp_" + "x" * 43}
                )
            )

            # A mutation too: UNAVAILABLE is the request's failure, not the mutation's (not in its union).
            create = {"query": CREATE_PROGRAM, "variables": {"input": program_input()}}
            unavailable(await client.post("/graphql", json=create, headers=auth))

            anonymous = await client.post("/graphql", json={"query": VIEWER})  # needs no database
            assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

            rest = await client.post(f"/programs/{program_id}/regenerate-sessions", headers=auth)
            assert rest.status_code == 503 and rest.headers["retry-after"] == "2"
            assert rest.json()["error"]["code"] == "UNAVAILABLE"

            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"] == {
                "database": "unavailable",
                "redis": "ok",
                "migrations": "unavailable",
            }
            assert (await client.get("/healthz")).status_code == 200  # alive all the same

            assert await socket_close_code(api, token) == 1013  # try again later, not 4403
        finally:
            await asyncio.to_thread(own_servers.postgres.start)

        # Back: the same request is answered again, by the same process.
        again = await client.post("/graphql", json={"query": VIEWER}, headers=auth)
        assert again.status_code == 200 and again.json()["data"]["viewer"]["email"].startswith("coach")
    assert records(logged, logging.ERROR) == [] and records(logged, logging.CRITICAL) == []


ALL_READY = {"database": "ok", "redis": "ok", "migrations": "ok"}


async def test_readyz_says_which_dependency_is_away_and_logs_why_once(
    own_servers: OwnServers,
    own_database_url: str,
    own_redis_url: str,
    logged: pytest.LogCaptureFixture,
) -> None:
    async with running_api(Settings(database_url=own_database_url, redis_url=own_redis_url)) as api:
        assert (await api.client.get("/readyz")).json()["checks"] == {
            "database": "ok",
            "redis": "ok",
            "migrations": "ok",
        }
        await asyncio.to_thread(own_servers.redis.stop)
        try:
            for _ in range(3):  # polled, as a load balancer would
                response = await api.client.get("/readyz")
                assert response.status_code == 503
                body = response.json()
                assert body["status"] == "unavailable"
                assert body["checks"] == {"database": "ok", "redis": "unavailable", "migrations": "ok"}
                assert body["redis"]["ok"] is False and body["database"]["ok"] is True
                assert (await api.client.get("/healthz")).json() == {"status": "ok"}  # no dependencies
                text = response.text
                assert (
                    "Error" not in text
                    and "127.0.0.1" not in text
                    and str(own_servers.redis.port) not in text
                )
        finally:
            await asyncio.to_thread(own_servers.redis.start)
        back = await api.client.get("/readyz")
        assert back.status_code == 200 and back.json()["checks"] == {
            "database": "ok",
            "redis": "ok",
            "migrations": "ok",
        }

    warnings = records(logged, logging.WARNING, "services.adapters.readiness")
    assert len(warnings) == 2, warnings  # once when it went, once when it came back
    assert "redis unavailable" in warnings[0] and "Connect" in warnings[0]  # the reason is logged
    assert "redis answers again" in warnings[1]
    assert len(records(logged, logging.DEBUG, "services.adapters.readiness")) == 2  # the later polls
    assert records(logged, logging.ERROR) == []


SUBSCRIBE = {"graphql-transport-ws": ("subscribe", "next"), "graphql-ws": ("start", "data")}


async def next_message(ws: Any, operation_id: str) -> dict[str, Any]:
    """The next message about ``operation_id`` (keep-alives and others skipped)."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message.get("id") == operation_id:
            return message


@pytest.mark.parametrize("protocol", list(SUBSCRIBE))
async def test_a_subscribe_whose_token_cannot_be_rechecked_is_unavailable_and_the_socket_stays(
    own_servers: OwnServers,
    own_database_url: str,
    own_redis_url: str,
    own_engine: AsyncEngine,
    protocol: str,
    logged: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import web.open_sockets

    # Every subscribe reads the token afresh (not the digest read a moment before).
    monkeypatch.setattr(web.open_sockets, "DIGEST_TTL_S", 0)
    token = await coach_token(own_engine)
    await own_engine.dispose()
    start, data = SUBSCRIBE[protocol]
    async with running_api(Settings(database_url=own_database_url, redis_url=own_redis_url)) as api:
        created = await api.graphql(CREATE_PROGRAM, {"input": program_input(weeks=1, daysPerWeek=1)}, token)
        program_id = created["data"]["createProgram"]["program"]["id"]
        payload = {"query": WATCH, "variables": {"p": program_id}}
        async with connect(api.ws_url, subprotocols=[Subprotocol(protocol)]) as ws:
            await ws.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
            )
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await asyncio.to_thread(own_servers.postgres.stop)
            try:
                await ws.send(json.dumps({"id": "down", "type": start, "payload": payload}))
                refused = await next_message(ws, "down")
            finally:
                await asyncio.to_thread(own_servers.postgres.start)
            assert refused["type"] == "error", refused
            [error] = refused["payload"] if isinstance(refused["payload"], list) else [refused["payload"]]
            assert error["extensions"] == {"code": "UNAVAILABLE", "retryAfterSeconds": 2}

            # The same socket subscribes again once PostgreSQL is back.
            attempts = iter(range(1, 1_000))

            async def answered() -> dict[str, Any] | None:
                operation_id = f"back-{next(attempts)}"
                await ws.send(json.dumps({"id": operation_id, "type": start, "payload": payload}))
                message = await next_message(ws, operation_id)
                return message if message["type"] == data else None

            back = await eventually(answered, timeout=30, interval=0.2, what="a subscription answered")
            assert back["payload"]["data"]["programGenerationProgress"]["total"] == 1
    assert records(logged, logging.ERROR) == []


async def test_every_door_but_readyz_answers_while_redis_is_down(
    own_servers: OwnServers,
    own_database_url: str,
    own_redis_url: str,
    own_engine: AsyncEngine,
    logged: pytest.LogCaptureFixture,
) -> None:
    token = await coach_token(own_engine)
    await own_engine.dispose()
    auth = {"Authorization": f"Bearer {token}"}
    async with running_api(Settings(database_url=own_database_url, redis_url=own_redis_url)) as api:
        created = await api.graphql(CREATE_PROGRAM, {"input": program_input(weeks=1, daysPerWeek=1)}, token)
        program_id = created["data"]["createProgram"]["program"]["id"]
        await asyncio.to_thread(own_servers.redis.stop)
        try:
            viewer = await api.client.post("/graphql", json={"query": VIEWER}, headers=auth)
            assert viewer.status_code == 200 and viewer.json()["data"]["viewer"]["email"]
            view = await api.client.post(
                "/graphql", json={"query": PROGRAM_VIEW, "variables": {"id": program_id}}, headers=auth
            )
            assert view.status_code == 200 and view.json()["data"]["program"]["id"] == program_id
            another = await api.graphql(CREATE_PROGRAM, {"input": program_input(weeks=1)}, token)
            assert another["data"]["createProgram"]["__typename"] == "CreateProgramSuccess"
            rest = await api.client.post(
                f"/programs/{program_id}/regenerate-sessions", headers=auth, json={"includeComplete": True}
            )
            assert rest.status_code == 200 and len(rest.json()["sessions"]) == 1

            async with connect(api.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
                init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
                await ws.send(json.dumps(init))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                payload = {"query": WATCH, "variables": {"p": program_id}}
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
                first = await next_message(ws, "1")
                assert (
                    first["type"] == "next"
                    and first["payload"]["data"]["programGenerationProgress"]["total"] == 1
                )
        finally:
            await asyncio.to_thread(own_servers.redis.start)
    assert records(logged, logging.ERROR) == []
