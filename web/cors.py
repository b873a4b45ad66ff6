"""Cross-origin requests from the origins in ``CORS_ORIGINS``, and from no other.

Off when the setting is empty (the default): no middleware at all, so a preflight ``OPTIONS
/graphql`` is answered by the route as any other method it does not serve (405, no
``Access-Control-*`` header), and a browser keeps other sites' pages from reading the API.

When on, Starlette's ``CORSMiddleware`` answers a preflight from a listed origin (200, the origin
echoed, the methods and headers the API takes) and adds the origin to the responses it reads. A
request from any other origin gets no ``Access-Control-*`` header at all: Starlette's own answer
would still list the allowed methods and headers (400 to a preflight, ``Expose-Headers`` on a
response), which grant nothing without the origin but tell a stranger what the API takes.
Tokens travel in the ``Authorization`` header, never in cookies, so credentials stay off.
"""

from collections.abc import Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message, Send

METHODS = ("GET", "POST")
REQUEST_HEADERS = ("Authorization", "Content-Type", "X-Request-ID")
EXPOSED_HEADERS = ("X-Request-ID", "Retry-After")
PREFLIGHT_MAX_AGE_S = 600


class ListedOriginsOnly(CORSMiddleware):
    """``CORSMiddleware`` that says nothing to an origin it does not allow."""

    def preflight_response(self, request_headers: Headers) -> Response:
        if not self.is_allowed_origin(request_headers["origin"]):
            return PlainTextResponse("Disallowed CORS origin", status_code=400, headers={"Vary": "Origin"})
        return super().preflight_response(request_headers)

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        origin = request_headers.get("origin")
        stranger = origin is not None and not self.is_allowed_origin(origin)
        if message["type"] == "http.response.start" and stranger:
            message.setdefault("headers", [])
            MutableHeaders(scope=message).add_vary_header("Origin")
            await send(message)
            return
        await super().send(message, send, request_headers)


def cors_middleware(origins: Sequence[str]) -> list[Middleware]:
    """The middleware for ``origins`` (``*`` for any); none when there are none."""
    if not origins:
        return []
    return [
        Middleware(
            ListedOriginsOnly,
            allow_origins=list(origins),
            allow_methods=METHODS,
            allow_headers=REQUEST_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            max_age=PREFLIGHT_MAX_AGE_S,
        )
    ]
