"""The processes of ``bench.live_watchers``: the ``main.py`` services it runs, the watch client it
talks to, and what it reads of a process (memory, CPU time, Redis connections)."""

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from bench.common import ROOT, BenchError
from bench.watcher_results import Case


def rss(pid: int) -> int:
    return psutil.Process(pid).memory_info().rss


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def redis_connections(pid: int, redis_port: int) -> int:
    return sum(
        1 for c in psutil.Process(pid).net_connections("tcp") if c.raddr and c.raddr.port == redis_port
    )


class Service:
    """A ``main.py`` process of the benchmark's (its log in a temporary file)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Client:
    """A ``bench.watch_client`` process, talked to over its stdin and stdout."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.received = 0

    @classmethod
    async def start(cls, url: str, token: str, programs: list[str], sessions: int, watchers: int) -> "Client":
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.watch_client", "--url", url, "--token", token,
            "--programs", ",".join(programs), "--sessions", str(sessions), "--watchers", str(watchers),
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return cls(process)

    async def line(self, within: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), within)
        if not raw:
            raise BenchError("the watch client exited")
        message: dict[str, Any] = json.loads(raw)
        if "error" in message:
            raise BenchError(f"the watch client failed: {message}")
        received = message.get("received")
        if isinstance(received, int):
            self.received = received
        return message

    async def ready(self, within: float) -> float:
        while "ready" not in (message := await self.line(within)):
            pass
        return float(message["ready"])

    async def until_received(self, count: int, within: float) -> None:
        deadline = time.monotonic() + within
        while self.received < count:
            if time.monotonic() > deadline:
                raise BenchError(f"the watchers received {self.received} of {count} events in {within:.0f} s")
            await self.line(within)

    async def report(self) -> dict[str, float]:
        assert self.process.stdin is not None
        self.process.stdin.write(b"report\n")
        await self.process.stdin.drain()
        while "latency_ms" not in (message := await self.line(60)):
            pass
        return message["latency_ms"]

    async def quit(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"quit\n")
        await self.process.stdin.drain()
        try:
            await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            self.process.kill()


async def client_ceiling(case: Case, events: int, rate: float) -> dict[str, float]:
    """The watch client's own latency (p50, p99, mean ms) against a server that only sends:
    ``events`` spread over the case's programs, at ``rate`` events per second."""
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.ceiling_server", "--sessions", str(case.sessions),
        cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert server.stdin is not None and server.stdout is not None
    try:
        port = json.loads(await asyncio.wait_for(server.stdout.readline(), 60))["port"]
        url = f"ws://127.0.0.1:{port}/graphql"
        client = await Client.start(url, "-", ["1"], case.sessions, case.watchers)
        await client.ready(within=600)
        per_socket = events // max(1, case.programs)
        server.stdin.write(f"emit {per_socket} {rate / case.programs}\n".encode())
        await server.stdin.drain()
        await client.until_received(per_socket * case.watchers, within=600)
        figures = await client.report()
        await client.quit()
        return figures
    finally:
        server.kill()
        await server.wait()
