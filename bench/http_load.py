"""A lean HTTP/1.1 keep-alive load generator: raw asyncio sockets, pre-built request bytes.

Each client holds one connection and sends its next request when the last response is read
(closed loop). Responses are framed by ``Content-Length`` only (liftplan, uvicorn and the floors
all send it). httpx tops out near 475 requests/s on this machine; this client's own ceiling
against a trivial route is measured in the same run (see ``bench.performance``).
"""

import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bench.common import BenchError

Hook = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class LoadResult:
    clients: int
    requests: int
    seconds: float
    latencies_ms: list[float]
    response_bytes: int  # body size of the last response

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def post_request(host: str, port: int, path: str, body: Mapping[str, object], token: str | None) -> bytes:
    """The bytes of one keep-alive JSON POST."""
    payload = json.dumps(body).encode()
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"{auth}Content-Length: {len(payload)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + payload


def get_request(host: str, port: int, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: keep-alive\r\n\r\n".encode()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One response: its status code and body (``Content-Length`` framing)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
        if line.lower().startswith(b"transfer-encoding:"):
            raise BenchError(f"a response without Content-Length ({line!r}): this client cannot frame it")
    body = await reader.readexactly(length) if length else b""
    return status, body


class Connection:
    """One keep-alive connection: send pre-built bytes, read the response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> "Connection":
        reader, writer = await asyncio.open_connection(host, port, limit=2**24)
        return cls(reader, writer)

    async def request(self, data: bytes) -> tuple[int, bytes]:
        self.writer.write(data)
        return await read_response(self.reader)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


async def run_load(
    host: str,
    port: int,
    requests: list[bytes],
    *,
    clients: int,
    seconds: float,
    min_requests: int = 0,
    max_seconds: float = 60.0,
    before_each: Hook | None = None,
    check: Callable[[int, bytes], None] | None = None,
) -> LoadResult:
    """``clients`` connections send ``requests`` round-robin for ``seconds`` (longer, up to
    ``max_seconds``, until ``min_requests`` are done), after one untimed request. ``before_each``
    runs before every request, outside the timed part (a status change for cold reads, say);
    ``check`` sees every response."""
    connections = [await Connection.open(host, port) for _ in range(clients)]
    async with asyncio.timeout(max_seconds):  # one untimed request first: caches filled, code paths warm
        status, body = await connections[0].request(requests[0])
    if check is not None:
        check(status, body)
    latencies: list[float] = []
    sizes = [0]
    started = time.perf_counter()
    stop_at = started + seconds
    hard_stop = started + max_seconds

    async def client(index: int, connection: Connection) -> None:
        n = index
        while True:
            now = time.perf_counter()
            if now > hard_stop or (now > stop_at and len(latencies) >= min_requests):
                return
            if before_each is not None:
                await before_each()
            t0 = time.perf_counter()
            status, body = await connection.request(requests[n % len(requests)])
            latencies.append((time.perf_counter() - t0) * 1000)
            sizes[0] = len(body)
            if check is not None:
                check(status, body)
            n += clients

    try:
        async with asyncio.timeout(max_seconds + 60):
            await asyncio.gather(*(client(i, c) for i, c in enumerate(connections)))
    finally:
        for connection in connections:
            await connection.close()
    elapsed = time.perf_counter() - started
    return LoadResult(clients, len(latencies), elapsed, latencies, sizes[0])


def expect_ok(status: int, body: bytes) -> None:
    """Fail on a non-200 answer or a GraphQL error (a fast error must not pass for a fast read)."""
    if status != 200 or body.startswith(b'{"errors"') or b'"errors":' in body[:200]:
        raise BenchError(f"unexpected answer {status}: {body[:300]!r}")
