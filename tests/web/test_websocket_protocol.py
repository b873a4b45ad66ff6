"""liftplan's WebSocket protocol under real uvicorn, on asyncio and on uvloop (which uvicorn
picks where it is installed): batched sends and ASGI sends arrive in the order they were made
and before the close, a batch leaves in one write, and a gone socket refuses a batch."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

import pytest
import uvloop
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from uvicorn.protocols.utils import ClientDisconnected
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.uvicorn_server import uvicorn_serving
from tests.waiting import eventually
from web.websocket_protocol import DIRECT_SEND_TEXTS, UVICORN_WS_OPTIONS, LiftplanWebSocketProtocol

SendTexts = Callable[[Sequence[str]], Awaitable[None]]
LONG = ["é" * 200, "z" * 70_000]
SEEN: list[object] = []
WRITES: list[int] = []


class CountingTransport:
    """The real transport, counting writes once the socket is open."""

    def __init__(self, transport: Any, protocol: LiftplanWebSocketProtocol) -> None:
        self._transport = transport
        self._protocol = protocol

    def write(self, data: bytes) -> None:
        if self._protocol.handshake_complete:
            WRITES.append(len(data))
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CountingProtocol(LiftplanWebSocketProtocol):
    def connection_made(self, transport: Any) -> None:
        # Not a Transport subclass (whose methods would shadow the delegation), but used as one.
        super().connection_made(cast(asyncio.Transport, CountingTransport(transport, self)))


async def mixed_then_close(websocket: WebSocket) -> None:
    """Ten rounds of one ASGI send and a batch of nine, a batch of long texts, then a close."""
    await websocket.accept()
    send_texts: SendTexts = websocket.scope["extensions"][DIRECT_SEND_TEXTS]
    await websocket.receive_text()  # the client is ready
    WRITES.clear()
    for round_ in range(10):
        await websocket.send_text(f"{round_}.0")
        await send_texts([f"{round_}.{i}" for i in range(1, 10)])
    await send_texts(LONG)  # the 16-bit and 64-bit length forms
    await websocket.close(4321, "done")


async def send_after_the_client_left(websocket: WebSocket) -> None:
    await websocket.accept()
    send_texts: SendTexts = websocket.scope["extensions"][DIRECT_SEND_TEXTS]
    await websocket.receive()  # the client's close
    try:
        await send_texts(["too late"])
        SEEN.append("sent")
    except BaseException as exc:
        SEEN.append(exc)


@asynccontextmanager
async def serving() -> AsyncIterator[str]:
    routes = [WebSocketRoute("/mixed", mixed_then_close), WebSocketRoute("/late", send_after_the_client_left)]
    options = {**UVICORN_WS_OPTIONS, "ws": CountingProtocol}
    async with uvicorn_serving(Starlette(routes=routes), **options) as port:
        yield f"ws://127.0.0.1:{port}"


def run_on(loop: str, scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    if loop == "uvloop":
        uvloop.run(scenario())
    else:
        asyncio.run(scenario())


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_batches_and_asgi_sends_keep_their_order_and_a_batch_is_one_write(loop: str) -> None:
    async def scenario() -> None:
        async with serving() as base, connect(f"{base}/mixed") as ws:
            await ws.send("ready")
            received = []
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(10):
                    while True:
                        received.append(await ws.recv())
        assert received == [f"{r}.{i}" for r in range(10) for i in range(10)] + LONG
        close = closed.value.rcvd
        assert close is not None and (close.code, close.reason) == (4321, "done")
        assert len(WRITES) == 10 + 11 + 1, WRITES  # each send, each batch, the close

    run_on(loop, scenario)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_batch_to_a_socket_the_client_closed_is_refused(loop: str) -> None:
    async def scenario() -> None:
        SEEN.clear()
        async with serving() as base:
            async with connect(f"{base}/late"):
                pass  # closes at once

            async def seen() -> bool:
                return bool(SEEN)

            await eventually(seen, timeout=10, interval=0.01, what="the late batch tried")
        assert isinstance(SEEN[0], ClientDisconnected), SEEN

    run_on(loop, scenario)
