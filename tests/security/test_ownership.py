"""Nobody reads or changes a program that is not theirs: another user's program, session or
exercise is answered exactly like one that does not exist, and nothing changes."""

import json

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from models import Role
from services.access.users import create_user, revoke_token
from tests.api.ws_client import graphql_socket
from tests.api_client import Api, UserMaker
from tests.program_requests import REGENERATE, create_program
from tests.workers import run_worker_until_idle

Factory = async_sessionmaker[AsyncSession]


async def _state(factory: Factory) -> list[tuple[object, ...]]:
    async with factory() as db:
        rows = await db.execute(
            text(
                "SELECT s.id, s.generation_status::text, s.generation_attempts, s.updated_at, "
                "(SELECT count(*) FROM session_exercises e WHERE e.session_id = s.id) "
                "FROM sessions s ORDER BY s.id"
            )
        )
        return [tuple(r) for r in rows.all()]


async def test_every_operation_on_someone_elses_program_is_not_found_and_changes_nothing(
    api: Api, make_token: UserMaker, library: None, api_settings: Settings, session_factory: Factory
) -> None:
    owner, stranger = await make_token(), await make_token()
    program_id = await create_program(api, owner, weeks=1, daysPerWeek=2)
    own_other = await create_program(api, stranger, weeks=1, daysPerWeek=1)
    await run_worker_until_idle(api_settings)
    sessions = (
        await api.graphql(
            "query($id: ID!) { program(id: $id) { sessions { id } } }", {"id": program_id}, owner
        )
    )["data"]["program"]["sessions"]
    session_id = sessions[0]["id"]
    before = await _state(session_factory)

    not_found = {f"program {program_id} does not exist", f"session {session_id} does not exist"}
    queries = [
        ("query($id: ID!) { program(id: $id) { id } }", {"id": program_id}),
        (
            "query($id: ID!) { program(id: $id) { sessions { exercises { movement { name } } } } }",
            {"id": program_id},
        ),
        ("query($id: ID!) { session(id: $id) { id exercises { sets } } }", {"id": session_id}),
    ]
    for query, variables in queries:
        body = await api.graphql(query, variables, stranger)
        assert body["data"] is None or list(body["data"].values()) == [None]
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert body["errors"][0]["message"] in not_found
    listing = await api.graphql("{ programs { nodes { id } } }", token=stranger)
    assert [n["id"] for n in listing["data"]["programs"]["nodes"]] == [own_other]

    for variables in (
        {"programId": program_id, "all": True},
        {"programId": program_id, "ids": [session_id], "all": True},
        {"programId": own_other, "ids": [session_id], "all": True},  # smuggled through sessionIds
    ):
        result = (await api.graphql(REGENERATE, variables, stranger))["data"]["regenerateSessions"]
        assert result["code"] == "NOT_FOUND" and result["message"] in not_found
    repair = await api.graphql(
        "mutation($id: ID!) { repairProgram(programId: $id) { ... on RepairProgramError { code } } }",
        {"id": program_id},
        stranger,
    )
    assert repair["data"]["repairProgram"] == {"code": "FORBIDDEN"}  # not an admin: not allowed at all

    async with graphql_socket(api.ws_url) as socket:
        await socket.init(stranger)
        for query in (
            "subscription($id: ID!) { sessionStatusChanged(programId: $id) { status } }",
            "subscription($id: ID!) { programGenerationProgress(programId: $id) { total } }",
        ):
            op = await socket.subscribe(query, {"id": program_id})
            message = await socket.receive()
            while message.get("id") != op or message["type"] == "complete":
                message = await socket.receive()
            assert "NOT_FOUND" in json.dumps(
                message
            ) and f"program {program_id} does not exist" in json.dumps(message)

    assert await _state(session_factory) == before


async def test_admins_see_every_program(api: Api, make_token: UserMaker) -> None:
    owner, admin = await make_token(), await make_token(Role.ADMIN)
    program_id = await create_program(api, owner, weeks=1, daysPerWeek=1)
    body = await api.graphql("query($id: ID!) { program(id: $id) { id } }", {"id": program_id}, admin)
    assert body["data"]["program"]["id"] == program_id


async def test_revoked_and_wrong_tokens_over_http_and_websocket(api: Api, session_factory: Factory) -> None:
    async with session_factory() as db, db.begin():
        await create_user(db, "revoked@example.com", "Soon revoked", Role.COACH)
    async with session_factory() as db, db.begin():
        from services.access.users import rotate_token

        token = await rotate_token(db, "revoked@example.com")
    assert "errors" not in await api.graphql("{ viewer { email } }", token=token)
    async with session_factory() as db, db.begin():
        await revoke_token(db, "revoked@example.com")

    headers_cases = [
        {"Authorization": f"Bearer {token}"},  # revoked
        {"Authorization": "Bearer lp_" + "x" * 43},  # wrong
        {"Authorization": "Basic dXNlcjpwYXNz"},  # not a bearer token
        {"Authorization": "Bearer " + "y" * 5000},  # absurdly long
        {},  # missing
    ]
    for headers in headers_cases:
        response = await api.client.post("/graphql", json={"query": "{ viewer { email } }"}, headers=headers)
        assert response.status_code == 200
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", headers
    introspection = await api.client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    assert introspection.json()["data"]["__schema"]["queryType"]["name"] == "Query"  # GraphiQL needs it

    for payload in (
        {"Authorization": f"Bearer {token}"},
        {"authorization": 42},
        {"AUTHORIZATION": "Bearer nope"},
    ):
        async with graphql_socket(api.ws_url) as socket:
            await socket.send({"type": "connection_init", "payload": payload})
            try:
                message = await socket.receive()
            except Exception as closed:  # ConnectionClosed: the answer we want
                assert getattr(getattr(closed, "rcvd", None), "code", None) == 4403
            else:
                raise AssertionError(f"socket accepted {payload}: {message}")
