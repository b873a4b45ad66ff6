"""Strawberry answers some malformed requests with 500 (JSON that is not an object or nested very
deep, bytes that are not UTF-8, over-long integers, deep ``variables`` in a GET) and reads bodies of
any size: this guard answers them first with 400/413/414/415 and a GraphQL-shaped error."""

import json
import re
from collections.abc import AsyncIterator

from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.datastructures import Headers, QueryParams
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.request_body import BodyTooLarge, is_utf8_json, read_body_within

# A JSON string, possessive so an unterminated one simply runs to the end (no quadratic retries).
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*+"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_GRAPHQL_PARAMS = ("query", "variables", "operationName", "extensions")


class RequestRejected(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_request(message: str) -> RequestRejected:
    return RequestRejected(400, "BAD_REQUEST", message)


def json_nested_deeper_than(text: str, limit: int) -> bool:
    """Measured before ``json.loads``, whose recursion a body of ``[[[[...`` would exhaust. On
    malformed input the count may be off after the first error, but ``json.loads`` stops there too."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if brackets.count("[") + brackets.count("{") <= limit:
        return False
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth = max(depth - 1, 0)
    return False


class GraphQLRequestGuard:
    """Pure ASGI (not ``BaseHTTPMiddleware``), so WebSockets and streamed responses are untouched.
    GET's query string gets POST's size limit (as 414) and checks; a POST body is replayed as read."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        path: str = "/graphql",
        max_body_bytes: int,
        max_json_depth: int = 64,
        max_tokens: int = 20_000,
    ) -> None:
        self.app = app
        self.path = path
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth
        self.max_tokens = max_tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._route_path(scope) != self.path:
            await self.app(scope, receive, send)
            return
        try:
            if scope["method"] == "POST":
                body = await self._read_body(scope, receive)
                if body is None:  # the client went away
                    return
                receive = _replay(body, receive)
            elif scope["method"] == "GET":
                self._check_get(scope)
        except RequestRejected as rejected:
            await _reject(send, rejected)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _route_path(scope: Scope) -> str:
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        return path[len(root_path) :] if root_path and path.startswith(root_path) else path

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        headers = Headers(scope=scope)
        if not is_utf8_json(headers.get("content-type", "")):
            raise RequestRejected(
                415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json (UTF-8)"
            )
        try:
            body = await read_body_within(
                _chunks(receive), headers.get("content-length"), self.max_body_bytes
            )
        except BodyTooLarge as too_large:
            raise RequestRejected(413, "PAYLOAD_TOO_LARGE", str(too_large)) from None
        except ClientDisconnect:
            return None
        try:
            text = body.decode("utf-8-sig")  # a BOM is tolerated, as Strawberry's json.loads does
        except UnicodeDecodeError:
            raise bad_request("request body is not valid UTF-8") from None
        data = self._load_json(text, "request body")
        if not isinstance(data, dict):
            raise bad_request("request body must be a JSON object (batching is not supported)")
        self._check_request(data)
        return body

    def _check_get(self, scope: Scope) -> None:
        query_string: bytes = scope.get("query_string", b"")
        if len(query_string) > self.max_body_bytes:
            raise RequestRejected(
                414, "PAYLOAD_TOO_LARGE", f"query string is longer than {self.max_body_bytes} bytes"
            )
        params = QueryParams(query_string)
        accept = Headers(scope=scope).get("accept", "")
        if "query" not in params and ("text/html" in accept or "*/*" in accept):
            return  # Strawberry serves GraphiQL here and reads no parameter
        data: dict[str, object] = {key: params[key] for key in _GRAPHQL_PARAMS if key in params}
        for key in ("variables", "extensions"):
            if key in data:
                data[key] = self._load_json(params[key], f'"{key}"')
        self._check_request(data)

    def _load_json(self, text: str, what: str) -> object:
        if json_nested_deeper_than(text, self.max_json_depth):
            raise bad_request(f"JSON nested deeper than {self.max_json_depth} levels")
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise bad_request(f"{what} is not valid JSON: {error}") from None
        except (ValueError, RecursionError):  # e.g. an integer of more than 4300 digits
            raise bad_request(f"{what} is not valid JSON") from None

    def _check_request(self, data: dict[str, object]) -> None:
        query = data.get("query")
        if not isinstance(query, str):
            raise bad_request('"query" must be a string')
        if not isinstance(data.get("variables"), dict | None):
            raise bad_request('"variables" must be an object or null')
        if not isinstance(data.get("operationName"), str | None):
            raise bad_request('"operationName" must be a string or null')
        if not isinstance(data.get("extensions"), dict | None):
            raise bad_request('"extensions" must be an object or null')
        if data.get("operationName") is None and self._count_operations(query) > 1:
            raise bad_request("operationName is required when the document contains several operations")

    def _count_operations(self, query: str) -> int:
        """A document that does not parse counts 0: GraphQL reports it in its normal response."""
        try:
            document = parse(query, no_location=True, max_tokens=self.max_tokens)
        except (GraphQLError, RecursionError):
            return 0
        return sum(isinstance(node, OperationDefinitionNode) for node in document.definitions)


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hands the app the body already read, then the real channel (for ``http.disconnect``)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _reject(send: Send, rejected: RequestRejected) -> None:
    # The body may be unread: close the connection rather than parse the rest as a next request.
    error = {"message": rejected.message, "extensions": {"code": rejected.code}}
    body = json.dumps({"errors": [error]}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": rejected.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
