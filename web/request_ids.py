"""Each HTTP request and WebSocket gets a ``request_id``: the client's ``X-Request-ID`` when it is
a sane token (a proxy's, to follow one request through both logs), else a new one. It is bound to
every record logged while the request is served and returned in the ``X-Request-ID`` header. One
DEBUG line per HTTP request (method, path, status, duration) stands in for uvicorn's access log."""

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.log_context import bound

log = logging.getLogger(__name__)

HEADER = "X-Request-ID"
SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
PROGRAM_PATH = re.compile(r"/programs/(\d{1,18})(?:/|$)")


def request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            given = value.decode("latin-1")
            if SANE.fullmatch(given):
                return given
    return uuid.uuid4().hex


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        program = PROGRAM_PATH.match(scope.get("path", ""))
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        started = time.perf_counter()
        with bound(request_id=rid, program_id=int(program.group(1)) if program else None):
            try:
                await self.app(scope, receive, send_with_id if scope["type"] == "http" else send)
            finally:
                if scope["type"] == "http":
                    log.debug(
                        "%s %s %d in %.1f ms",
                        scope.get("method"),
                        scope.get("path"),
                        status,
                        (time.perf_counter() - started) * 1000,
                    )
