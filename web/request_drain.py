"""Requests still running when the server stops: given ``API_SHUTDOWN_GRACE_S``, then cut with an
answer a client can act on.

Left to uvicorn, a request still running at the end of the grace is cancelled and answered with a
plain-text 500, with two ERROR lines and a traceback in the log, as if the app had failed. Here
the server's shutdown (``RunningRequests.cut_after_grace``, started as it begins to stop) cuts
them first: each answers 503 ``UNAVAILABLE`` "the server is restarting" with ``Retry-After``, as
an outage does, and one WARNING says how many were cut. The cut request's transaction rolls back
(its unit of work never commits), so nothing of it is stored. uvicorn's own cut, a few seconds
later (``SHUTDOWN_BACKSTOP_S``), stays as the backstop for a request that ignores its cancel.
"""

import asyncio
import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

SHUTDOWN_BACKSTOP_S = 5
RETRY_AFTER_S = 5
MESSAGE = "the server is restarting; try again"


class RunningRequests:
    """The HTTP requests in progress in this process (their tasks) and those being cut."""

    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self._running: set[asyncio.Task[object]] = set()
        self._cut: set[asyncio.Task[object]] = set()

    def began(self, task: "asyncio.Task[object]") -> None:
        self._running.add(task)

    def ended(self, task: "asyncio.Task[object]") -> None:
        self._running.discard(task)
        self._cut.discard(task)

    def is_cut(self, task: "asyncio.Task[object]") -> bool:
        return task in self._cut

    async def cut_after_grace(self) -> int:
        """Wait up to the grace for the running requests, then cut those left; how many were cut."""
        if self._running:
            await asyncio.wait(set(self._running), timeout=self.grace_s)
        left = {task for task in self._running if not task.done()}
        if not left:
            return 0
        log.warning(
            "%d request(s) still running %g s after the server began to stop are cut (503 UNAVAILABLE)",
            len(left),
            self.grace_s,
        )
        self._cut |= left
        for task in left:
            task.cancel()
        await asyncio.wait(left, timeout=SHUTDOWN_BACKSTOP_S)
        return len(left)


class TrackRequests:
    """ASGI middleware: registers each HTTP request with ``running``, and answers one cut by
    ``RunningRequests.cut_after_grace`` with 503 instead of letting the cancel reach uvicorn."""

    def __init__(self, app: ASGIApp, running: RunningRequests) -> None:
        self.app = app
        self.running = running

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task = asyncio.current_task()
        if scope["type"] != "http" or task is None:
            await self.app(scope, receive, send)
            return
        started = False

        async def noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        self.running.began(task)
        try:
            await self.app(scope, receive, noting_start)
        except asyncio.CancelledError:
            if started or not self.running.is_cut(task):
                raise  # once an answer has begun, closing the connection is all there is
            task.uncancel()
            await send_restarting(send)
        finally:
            self.running.ended(task)


async def send_restarting(send: Send) -> None:
    body = json.dumps({"errors": [{"message": MESSAGE, "extensions": {"code": "UNAVAILABLE"}}]}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(RETRY_AFTER_S).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})
