"""The client's own ceiling: a server that does nothing but speak graphql-transport-ws, by hand.

It upgrades, acknowledges, answers a ``subscribe`` with ``--sessions`` initial events, and on a
line ``emit N R`` on its stdin sends N events to every socket, R per second, each stamped with
the time it is due (events are due at the rate asked for, whether or not the server keeps up).
Each event is framed once and written to every socket as ready bytes, so the server costs next
to nothing: measured with the same client as liftplan, this shows what the client and the
loopback cost by themselves. liftplan cannot be measured faster than this.

It prints ``{"port": P}`` once listening and ``{"sent": N, "seconds": S}`` after each emit.

Run with: .venv/bin/python -m bench.ceiling_server --sessions S
"""

import argparse
import asyncio
import base64
import datetime as dt
import hashlib
import json
import struct
import sys
from typing import cast

import uvloop

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def server_frame(text: str) -> bytes:
    """One final, unmasked text frame."""
    payload = text.encode()
    length = len(payload)
    if length < 126:
        return struct.pack("!BB", 0x81, length) + payload
    if length < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, length) + payload
    return struct.pack("!BBQ", 0x81, 127, length) + payload


def event(n: int, *, snapshot: bool, due: dt.datetime | None = None) -> str:
    at = (due or dt.datetime.now(dt.UTC)).isoformat()
    change = {
        "sessionId": str(n),
        "status": "COMPLETE",
        "attempt": 1,
        "at": at,
        "cursor": str(n),
        "snapshot": snapshot,
    }
    message = {"id": "1", "type": "next", "payload": {"data": {"sessionStatusChanged": change}}}
    return json.dumps(message, separators=(",", ":"))  # as liftplan writes it


class Subscriber(asyncio.Protocol):
    """One socket: the upgrade, then client frames (masked) counted until the subscribe."""

    def __init__(self, sessions: int, watching: set[asyncio.Transport]) -> None:
        self.sessions = sessions
        self.watching = watching
        self.buffer = bytearray()
        self.upgraded = False
        self.messages = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.watching.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            headers = bytes(self.buffer[:end]).decode().split("\r\n")[1:]
            key = next(
                v.strip()
                for k, _, v in (h.partition(":") for h in headers)
                if k.lower() == "sec-websocket-key"
            )
            accept = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()
            self.transport.write(
                (
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    f"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
                ).encode()
            )
            del self.buffer[: end + 4]
            self.upgraded = True
        while len(self.buffer) >= 6:
            length, start = self.buffer[1] & 0x7F, 2
            if length == 126:
                (length,), start = struct.unpack_from("!H", self.buffer, 2), 4
            if len(self.buffer) < start + 4 + length:
                return
            del self.buffer[: start + 4 + length]  # the content is not needed: only the order
            self.messages += 1
            if self.messages == 1:  # connection_init
                self.transport.write(server_frame('{"type":"connection_ack"}'))
            elif self.messages == 2:  # subscribe
                initial = (server_frame(event(n, snapshot=True)) for n in range(self.sessions))
                self.transport.write(b"".join(initial))
                self.watching.add(self.transport)


async def emit(watching: set[asyncio.Transport], count: int, rate: float) -> float:
    loop = asyncio.get_running_loop()
    started, wall = loop.time(), dt.datetime.now(dt.UTC)
    for n in range(count):
        # Events come at the rate asked for whether or not the last one is out yet, as the
        # worker's do: a server slower than that falls behind, and the latency shows it.
        await asyncio.sleep(max(0.0, started + n / rate - loop.time()))
        frame = server_frame(event(n, snapshot=False, due=wall + dt.timedelta(seconds=n / rate)))
        for transport in list(watching):
            transport.write(frame)
    return loop.time() - started


async def main(sessions: int) -> None:
    loop = asyncio.get_running_loop()
    watching: set[asyncio.Transport] = set()
    server = await loop.create_server(lambda: Subscriber(sessions, watching), "127.0.0.1", 0, backlog=4096)
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().split():
        if line[0] == "emit":
            seconds = await emit(watching, int(line[1]), float(line[2]))
            print(
                json.dumps({"sent": int(line[1]), "sockets": len(watching), "seconds": seconds}), flush=True
            )
    server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, required=True)
    uvloop.run(main(parser.parse_args().sessions))
