"""The watchers of ``bench.live_watchers``: a separate process holding N graphql-transport-ws
connections, each subscribed to ``sessionStatusChanged`` of one of the given programs.

Every connection counts what it receives; a sample of them (``--probe-every``) also parses each
change and records its delivery latency: receipt time minus the event's ``at`` (its commit time
in PostgreSQL, on the same machine's clock). It talks to the orchestrator by JSON lines: on
stdout, ``{"ready": s}`` once every connection has its initial state, then ``{"received": n}``
every 0.2 s; on stdin, ``report`` asks for the latency figures, ``quit`` closes everything.

Run with: .venv/bin/python -m bench.watch_client --url ws://... --token T --programs 1,2 --watchers 1000
"""

import argparse
import asyncio
import base64
import datetime as dt
import json
import os
import struct
import sys
import time
from array import array
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

import uvloop

WATCH = """subscription W($p: ID!) {
  sessionStatusChanged(programId: $p) { sessionId status attempt at cursor snapshot }
}"""


class Totals:
    def __init__(self) -> None:
        self.received = 0
        self.ready = 0
        self.latencies_ms = array("d")
        self.started = time.monotonic()
        self.all_ready = asyncio.Event()


@dataclass(frozen=True)
class Target:
    url: str
    token: str
    sessions: int  # per program: the initial state is this many events
    watchers: int


NEXT = b'{"id":"1","type":"next","payload":'
OPCODE_TEXT, OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG = 0x1, 0x8, 0x9, 0xA


def client_frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked client frame (RFC 6455 section 5.2)."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


class Watcher(asyncio.Protocol):
    """One graphql-transport-ws connection, parsed by hand: the ``websockets`` client spent
    tens of microseconds per message, so with a thousand sockets the client, not the server,
    set the latency. Server frames are unmasked and, here, never fragmented."""

    def __init__(self, target: Target, program: str, probe: bool, totals: Totals) -> None:
        self.target, self.program, self.probe, self.totals = target, program, probe, totals
        self.buffer = bytearray()
        self.upgraded = False
        self.acknowledged = False
        self.initial = 0
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        url = urlsplit(self.target.url)
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                f"GET {url.path or '/'} HTTP/1.1\r\nHost: {url.netloc}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
            ).encode()
        )

    def send(self, message: dict[str, object]) -> None:
        assert self.transport is not None
        self.transport.write(client_frame(OPCODE_TEXT, json.dumps(message).encode()))

    def fail(self, reason: str) -> None:
        if not self.opened.done():
            self.opened.set_exception(RuntimeError(reason))
        if not self.closed.done():
            self.closed.set_result(reason)
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(f"connection lost: {exc!r}")

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buffer[: buffer.find(b"\r\n")])
            if b" 101 " not in status:
                self.fail(f"not upgraded: {status!r}")
                return
            del buffer[: end + 4]
            self.upgraded = True
            self.send(
                {"type": "connection_init", "payload": {"Authorization": f"Bearer {self.target.token}"}}
            )
        position, size = 0, len(buffer)
        while size - position >= 2:
            opcode, length = buffer[position] & 0x0F, buffer[position + 1] & 0x7F
            start = position + 2
            if length == 126:
                if size - start < 2:
                    break
                (length,) = struct.unpack_from("!H", buffer, start)
                start += 2
            elif length == 127:
                if size - start < 8:
                    break
                (length,) = struct.unpack_from("!Q", buffer, start)
                start += 8
            if size - start < length:
                break
            position = start + length
            self.frame(opcode, bytes(buffer[start:position]))
        del buffer[:position]

    def frame(self, opcode: int, payload: bytes) -> None:
        if opcode == OPCODE_TEXT:
            self.message(payload)
        elif opcode == OPCODE_PING:
            assert self.transport is not None
            self.transport.write(client_frame(OPCODE_PONG, payload))
        elif opcode == OPCODE_CLOSE:
            code = struct.unpack_from("!H", payload)[0] if len(payload) >= 2 else 1005
            self.fail(f"closed by the server: {code} {payload[2:].decode(errors='replace')}")
        elif opcode != OPCODE_PONG:
            self.fail(f"unexpected frame opcode {opcode}")

    def message(self, raw: bytes) -> None:
        totals = self.totals
        if not self.acknowledged:
            if json.loads(raw).get("type") != "connection_ack":
                self.fail(f"not acknowledged: {raw[:200]!r}")
                return
            self.acknowledged = True
            subscribe = {"query": WATCH, "variables": {"p": self.program}}
            self.send({"id": "1", "type": "subscribe", "payload": subscribe})
            self.opened.set_result(None)
            return
        if not raw.startswith(NEXT):
            self.fail(f"not a result: {raw[:300]!r}")
            return
        if self.initial < self.target.sessions:
            self.initial += 1
            if self.initial == self.target.sessions:
                totals.ready += 1
                if totals.ready == self.target.watchers:
                    totals.all_ready.set()
            return
        totals.received += 1
        if self.probe:
            received_at = time.time()
            payload = json.loads(raw)["payload"]
            if payload.get("errors"):
                self.fail(f"errors: {payload['errors']}")
                return
            at = dt.datetime.fromisoformat(payload["data"]["sessionStatusChanged"]["at"]).timestamp()
            totals.latencies_ms.append((received_at - at) * 1000)


async def watch(target: Target, program: str, probe: bool, totals: Totals, gate: asyncio.Semaphore) -> None:
    url = urlsplit(target.url)
    assert url.hostname is not None and url.port is not None, target.url
    loop = asyncio.get_running_loop()
    async with gate:  # opening is limited; watching is not
        _, watcher = await loop.create_connection(
            lambda: Watcher(target, program, probe, totals), url.hostname, url.port
        )
        async with asyncio.timeout(60):
            await watcher.opened
    try:
        reason = await watcher.closed
        raise RuntimeError(reason)
    finally:
        watcher.fail("quit")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(share * len(values)))]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--programs", required=True, help="comma-separated program ids")
    parser.add_argument("--sessions", type=int, required=True, help="sessions per program")
    parser.add_argument("--watchers", type=int, required=True)
    parser.add_argument("--probe-every", type=int, default=10, help="parse and time every k-th watcher")
    parser.add_argument("--connect-concurrency", type=int, default=50)
    args = parser.parse_args()
    programs = args.programs.split(",")
    totals = Totals()
    gate = asyncio.Semaphore(args.connect_concurrency)
    target = Target(args.url, args.token, args.sessions, args.watchers)
    tasks = [
        asyncio.create_task(
            watch(target, programs[i % len(programs)], i % args.probe_every == 0, totals, gate)
        )
        for i in range(args.watchers)
    ]
    failures: list[str] = []

    def note(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            failures.append(repr(task.exception()))

    for task in tasks:
        task.add_done_callback(note)
    waiter = asyncio.create_task(totals.all_ready.wait())
    while not totals.all_ready.is_set():
        await asyncio.wait([waiter], timeout=0.5)
        if failures:
            print(json.dumps({"error": failures[:3], "failed": len(failures)}), flush=True)
            return
    print(json.dumps({"ready": time.monotonic() - totals.started}), flush=True)

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    async def progress() -> None:
        while True:
            print(json.dumps({"received": totals.received, "failed": len(failures)}), flush=True)
            await asyncio.sleep(0.2)  # the reporting interval

    reporter = asyncio.create_task(progress())
    while line := (await reader.readline()).decode().strip():
        if line == "report":
            values = sorted(totals.latencies_ms)
            print(
                json.dumps(
                    {
                        "latency_ms": {
                            "p50": percentile(values, 0.5),
                            "p99": percentile(values, 0.99),
                            "max": values[-1] if values else float("nan"),
                            "mean": sum(values) / len(values) if values else float("nan"),
                            "n": len(values),
                        }
                    }
                ),
                flush=True,
            )
            totals.latencies_ms = array("d")
        elif line == "quit":
            break
    reporter.cancel()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == "__main__":
    uvloop.run(main())
