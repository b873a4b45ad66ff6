"""The blocking check: one expensive query over many programs, with ``/healthz`` polled meanwhile.

On an account with many generated programs, ``programs(first: 100)`` down to every exercise's
movement is sent once; while it runs, a second connection asks ``GET /healthz`` every 10 ms and
the worst latency seen is kept. The target: the request is refused by the query cost limit with
a clear code, and ``/healthz`` stays under 50 ms.
"""

import asyncio
import json
import time
from dataclasses import dataclass

from bench.http_load import Connection, get_request
from bench.perf_env import HOST, PerfEnv

MANY_PROGRAMS = (
    "{ programs(first: 100) { nodes { microcycles { sessions { exercises { movement { name } } } } } } }"
)
HEALTH_EVERY_S = 0.01


@dataclass(frozen=True)
class BlockingResult:
    request_s: float
    status: int
    code: str | None  # errors[0].extensions.code, None when answered without errors
    message: str | None
    response_bytes: int
    healthz_worst_ms: float
    healthz_checks: int


async def measure(env: PerfEnv, account: str) -> BlockingResult:
    request = env.graphql_bytes(account, MANY_PROGRAMS)
    health = await Connection.open(HOST, env.port)
    query = await Connection.open(HOST, env.port)
    ping = get_request(HOST, env.port, "/healthz")
    latencies: list[float] = []
    done = asyncio.Event()

    async def poll() -> None:
        while not done.is_set():
            t0 = time.perf_counter()
            await health.request(ping)
            latencies.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(max(0.0, HEALTH_EVERY_S - (time.perf_counter() - t0)))

    try:
        poller = asyncio.create_task(poll())
        await asyncio.sleep(0.1)  # a few checks before the query starts
        t0 = time.perf_counter()
        try:
            async with asyncio.timeout(120):
                status, body = await query.request(request)
        finally:
            elapsed = time.perf_counter() - t0
            await asyncio.sleep(0.05)
            done.set()
            async with asyncio.timeout(30):
                await poller
    finally:
        await health.close()
        await query.close()
    answer = json.loads(body)
    errors = answer.get("errors") or []
    code = errors[0].get("extensions", {}).get("code") if errors else None
    message = errors[0].get("message") if errors else None
    return BlockingResult(elapsed, status, code, message, len(body), max(latencies), len(latencies))
