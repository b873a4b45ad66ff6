"""The request guard over real HTTP: uvicorn serving a tiny Strawberry app, as liftplan mounts its view."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import strawberry
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from tests.uvicorn_server import uvicorn_serving
from web.request_guard import GraphQLRequestGuard, json_nested_deeper_than

MAX_BODY = 200_000
JSON = {"content-type": "application/json"}


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str | None:
        return "world"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def count(self) -> AsyncIterator[int]:
        for i in range(2):
            yield i


@asynccontextmanager
async def serving(max_body: int) -> AsyncIterator[str]:
    view = GraphQL(strawberry.Schema(query=Query, subscription=Subscription), allow_queries_via_get=True)
    app = Starlette(
        routes=[Route("/graphql", view, methods=["GET", "POST"]), WebSocketRoute("/graphql", view)]
    )
    guarded = GraphQLRequestGuard(app, max_body_bytes=max_body, max_json_depth=64)
    async with uvicorn_serving(guarded, ws="websockets-sansio") as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
async def base_url() -> AsyncIterator[str]:
    async with serving(MAX_BODY) as url:
        yield url


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        yield client


def assert_error(response: httpx.Response, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": code}
    assert message in error["message"]


async def post(client: httpx.AsyncClient, content: Any, headers: dict[str, str] = JSON) -> httpx.Response:
    return await client.post("/graphql", content=content, headers=headers)


async def test_valid_query(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ hello }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"hello": "world"}}


async def test_charset_and_bom_are_accepted(client: httpx.AsyncClient) -> None:
    body = b'\xef\xbb\xbf{"query": "{ hello }", "variables": null, "extensions": {}}'
    response = await post(client, body, {"content-type": "application/json; charset=UTF-8"})
    assert response.json() == {"data": {"hello": "world"}}


BAD_BODIES = {
    "array": (b'[{"query": "{ hello }"}]', "request body must be a JSON object"),
    "string": (b'"just a string"', "request body must be a JSON object"),
    "null": (b"null", "request body must be a JSON object"),
    "number": (b"42", "request body must be a JSON object"),
    "deep brackets": (b"[" * 100_000, "JSON nested deeper than 64 levels"),
    "deep variables": (
        b'{"query": "{ hello }", "variables": {"a": ' + b"[" * 1000 + b"]" * 1000 + b"}}",
        "JSON nested deeper than 64 levels",
    ),
    "not utf-8": (b'{"query": "{ hello \xff\xfe }"}', "not valid UTF-8"),
    "not json": (b'{"query": ', "request body is not valid JSON"),
    "huge integer": (b'{"query": "{ hello }", "variables": {"n": ' + b"1" * 5000 + b"}}", "not valid JSON"),
    "no query": (b'{"variables": {}}', '"query" must be a string'),
    "query not a string": (b'{"query": ["{ hello }"]}', '"query" must be a string'),
    "variables as a list": (b'{"query": "{ hello }", "variables": [1]}', '"variables" must be an object'),
    "operationName number": (b'{"query": "{ hello }", "operationName": 1}', '"operationName" must be'),
    "extensions string": (b'{"query": "{ hello }", "extensions": "x"}', '"extensions" must be an object'),
    "two operations": (
        b'{"query": "query A { hello } query B { hello }"}',
        "operationName is required when the document contains several operations",
    ),
}


@pytest.mark.parametrize("body, message", BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_bad_body_is_400(client: httpx.AsyncClient, body: bytes, message: str) -> None:
    assert_error(await post(client, body), 400, "BAD_REQUEST", message)


def test_brackets_inside_strings_do_not_count() -> None:
    assert not json_nested_deeper_than(json.dumps({"query": "[" * 1000, "s": '\\"{{{{'}), 3)
    assert not json_nested_deeper_than('"unterminated \\' + "[" * 100, 3)
    assert json_nested_deeper_than('[[["]"]]]', 2)


async def test_named_operation_picks_one_of_several(client: httpx.AsyncClient) -> None:
    query = "query A { hello } query B { hello }"
    response = await client.post("/graphql", json={"query": query, "operationName": "B"})
    assert response.json() == {"data": {"hello": "world"}}
    # An unknown name is left to Strawberry, which answers it itself (a plain-text 400).
    response = await client.post("/graphql", json={"query": query, "operationName": "C"})
    assert response.status_code == 400
    assert response.text == 'Unknown operation named "C".'


async def test_syntax_error_is_left_to_graphql(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "query A { hello } query B {"})
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["message"].startswith("Syntax Error")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
async def test_other_content_type_is_415(client: httpx.AsyncClient, content_type: str) -> None:
    response = await post(client, b'{"query": "{ hello }"}', {"content-type": content_type})
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json")


async def test_other_charset_is_415(client: httpx.AsyncClient) -> None:
    response = await post(
        client, b'{"query": "{ hello }"}', {"content-type": "application/json; charset=utf-16"}
    )
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE", "application/json")


def oversized_body() -> bytes:
    return json.dumps({"query": "{ hello }", "pad": "x" * MAX_BODY}).encode()


async def test_body_over_limit_with_content_length(client: httpx.AsyncClient) -> None:
    assert_error(await post(client, oversized_body()), 413, "PAYLOAD_TOO_LARGE", str(MAX_BODY))


async def test_body_over_limit_chunked(client: httpx.AsyncClient) -> None:
    body = oversized_body()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 16_384):
            yield body[start : start + 16_384]

    response = await post(client, chunks())
    assert_error(response, 413, "PAYLOAD_TOO_LARGE", str(MAX_BODY))


async def test_chunked_body_within_limit_is_replayed(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": '
        yield b'"{ hello }"}'

    assert (await post(client, chunks())).json() == {"data": {"hello": "world"}}


async def test_get_query(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ hello }", "variables": "{}"})
    assert response.json() == {"data": {"hello": "world"}}


async def test_get_graphiql_passes_through(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


async def test_get_query_string_over_limit_is_414() -> None:
    # httpx refuses URLs over 64 KiB, so this server has a smaller limit.
    async with serving(10_000) as url, httpx.AsyncClient(base_url=url) as client:
        response = await client.get("/graphql", params={"query": "{ hello }", "pad": "x" * 10_000})
        assert_error(response, 414, "PAYLOAD_TOO_LARGE", "10000")
        response = await client.get("/graphql", params={"query": "{ hello }", "pad": "x" * 9_000})
        assert response.json() == {"data": {"hello": "world"}}


@pytest.mark.parametrize(
    "params, message",
    [
        ({"query": "{ hello }", "variables": "[" * 5000}, "JSON nested deeper than 64 levels"),
        ({"query": "{ hello }", "variables": "[1]"}, '"variables" must be an object'),
        ({"query": "{ hello }", "extensions": "{"}, '"extensions" is not valid JSON'),
        ({"query": "query A { hello } query B { hello }"}, "operationName is required"),
        ({"variables": "{}"}, '"query" must be a string'),
    ],
)
async def test_bad_get_is_400(client: httpx.AsyncClient, params: dict[str, str], message: str) -> None:
    response = await client.get("/graphql", params=params, headers={"accept": "application/json"})
    assert_error(response, 400, "BAD_REQUEST", message)


async def test_other_paths_and_websockets_pass_through(base_url: str, client: httpx.AsyncClient) -> None:
    response = await client.post("/elsewhere", content=b"[" * 10, headers={"content-type": "text/plain"})
    assert response.status_code == 404
    url = base_url.replace("http", "ws", 1) + "/graphql"
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as socket:
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        subscribe = {"id": "1", "type": "subscribe", "payload": {"query": "subscription { count }"}}
        await socket.send(json.dumps(subscribe))
        assert json.loads(await socket.recv())["payload"] == {"data": {"count": 0}}


async def test_server_keeps_serving_after_garbage(client: httpx.AsyncClient) -> None:
    for body, _ in BAD_BODIES.values():
        assert (await post(client, body)).status_code == 400
    assert (await post(client, oversized_body())).status_code == 413
    assert (await post(client, b"{}", {"content-type": "text/plain"})).status_code == 415
    response = await client.post("/graphql", json={"query": "{ hello }"})
    assert response.json() == {"data": {"hello": "world"}}
