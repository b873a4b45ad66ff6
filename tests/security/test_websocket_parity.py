"""Over a WebSocket as over HTTP: the same masked errors and codes, tokens that stop working when
revoked, and limits for the legacy protocol and for one client address."""

import asyncio
import json
import logging

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from core.settings import Settings
from services.access.users import revoke_token, rotate_token
from tests.api.ws_client import GraphQLSocket, graphql_socket
from tests.api_client import Api, UserMaker, running_api
from tests.program_requests import create_program
from tests.waiting import eventually

Factory = async_sessionmaker[AsyncSession]
WATCH = "subscription($id: ID!) { sessionStatusChanged(programId: $id) { sessionId status } }"
PROGRESS = "subscription($id: ID!) { programGenerationProgress(programId: $id) { total } }"


async def _closed_with(socket: GraphQLSocket, timeout: float = 15) -> int | None:
    """Read until the server closes the socket; its close code."""
    ws = socket.ws
    try:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def test_an_unexpected_error_in_a_subscription_is_masked_and_logged(
    api: Api, token: str, session_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=2)
    async with session_factory() as db, db.begin():  # a real failure: the schema drifts under the app
        await db.execute(text("ALTER TABLE status_event_heads RENAME COLUMN last_seq TO gone"))
    with caplog.at_level(logging.INFO):
        async with graphql_socket(api.ws_url) as socket:
            await socket.init(token)
            await socket.subscribe(WATCH, {"id": program_id})
            message = await socket.receive()
    text_sent = json.dumps(message)
    assert "INTERNAL_SERVER_ERROR" in text_sent and "Internal server error" in text_sent
    assert "last_seq" not in text_sent and "SELECT" not in text_sent
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None


async def test_a_revoked_token_stops_working_on_an_open_socket(
    api_settings: Settings, token: str, redis: object, session_factory: Factory
) -> None:
    settings = api_settings.model_copy(update={"token_recheck_s": 0.5})
    async with running_api(settings) as api:
        program_id = await create_program(api, token, weeks=1, daysPerWeek=1)
        async with graphql_socket(api.ws_url) as watching, graphql_socket(api.ws_url) as idle:
            assert (await watching.init(token))["type"] == "connection_ack"
            assert (await idle.init(token))["type"] == "connection_ack"
            await watching.subscribe(WATCH, {"id": program_id})
            assert (await watching.receive())["type"] == "next"

            async with session_factory() as db, db.begin():
                user_email = (await db.execute(text("SELECT email FROM users"))).scalar_one()
                await revoke_token(db, user_email)
            started = asyncio.get_running_loop().time()
            assert await _closed_with(watching) == 4403  # closed by the periodic re-check
            assert await _closed_with(idle) == 4403
            took = asyncio.get_running_loop().time() - started
        assert took < 5, took


async def test_every_subscribe_re_checks_the_token(
    api_settings: Settings, make_token: UserMaker, redis: object, session_factory: Factory
) -> None:
    settings = api_settings.model_copy(update={"token_recheck_s": 600})  # only subscribes re-check
    token = await make_token()
    async with running_api(settings) as api:
        program_id = await create_program(api, token, weeks=1, daysPerWeek=1)
        async with graphql_socket(api.ws_url) as socket:
            await socket.init(token)
            async with session_factory() as db, db.begin():
                email = (await db.execute(text("SELECT email FROM users"))).scalar_one()
                await rotate_token(db, email)  # the old token is replaced

            async def refused() -> bool:
                await socket.subscribe(PROGRESS, {"id": program_id})
                try:
                    message = await socket.receive(timeout=2)
                except ConnectionClosed as closed:
                    return closed.rcvd is not None and closed.rcvd.code == 4403
                return message.get("type") == "error"

            assert await eventually(refused, timeout=10, interval=0.3, what="the subscribe refused")


async def test_progress_subscriptions_count_against_the_per_user_cap(
    api_settings: Settings, token: str, redis: object
) -> None:
    settings = api_settings.model_copy(update={"max_subscriptions_per_user": 3})
    async with running_api(settings) as api:
        program_id = await create_program(api, token, weeks=1, daysPerWeek=1)
        async with graphql_socket(api.ws_url) as socket:
            await socket.init(token)
            for _ in range(3):
                await socket.subscribe(PROGRESS, {"id": program_id})
                assert (await socket.receive())["type"] == "next"
            await socket.subscribe(PROGRESS, {"id": program_id})
            fourth = await socket.receive()
    assert "RATE_LIMITED" in json.dumps(fourth), fourth


async def test_legacy_sockets_time_out_without_connection_init_and_bad_tokens_get_4403(
    api_settings: Settings, token: str, redis: object
) -> None:
    settings = api_settings.model_copy(update={"ws_init_timeout_s": 1})
    async with running_api(settings) as api:
        async with connect(api.ws_url, subprotocols=[Subprotocol("graphql-ws")]) as silent:
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(10):
                    await silent.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408
        async with connect(api.ws_url, subprotocols=[Subprotocol("graphql-ws")]) as bad:
            await bad.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer lp_no"}})
            )
            assert json.loads(await bad.recv())["type"] == "connection_error"
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(bad.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
        async with connect(api.ws_url, subprotocols=[Subprotocol("graphql-ws")]) as good:
            await good.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
            )
            assert json.loads(await good.recv())["type"] == "connection_ack"


async def test_connections_per_client_address_are_capped(
    api_settings: Settings, token: str, redis: object
) -> None:
    settings = api_settings.model_copy(update={"max_connections_per_address": 3})
    async with running_api(settings) as api:
        async with (
            graphql_socket(api.ws_url) as one,
            graphql_socket(api.ws_url) as two,
            graphql_socket(api.ws_url) as three,
        ):
            for socket in (one, two, three):
                assert (await socket.init(token))["type"] == "connection_ack"
            async with graphql_socket(api.ws_url) as fourth:
                assert await _closed_with(fourth) == 4429
        async with graphql_socket(api.ws_url) as again:  # the others closed: room again
            assert (await again.init(token))["type"] == "connection_ack"
