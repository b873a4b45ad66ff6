"""The blocking check: one expensive query over many programs, with ``/healthz`` polled meanwhile.

On an account with many generated programs, ``programs(first: 100)`` down to every exercise's
movement is sent once; while it runs, a second connection asks ``GET /healthz`` every 10 ms and
the worst latency seen is kept. The target: the request is refused by the query cost limit with
a clear code, and ``/healthz`` stays under 50 ms. The same is measured for the largest page the
limit lets through, and (by ``bench.performance``) for the 312-session program view read cold.
"""

import asyncio
import json
import time
from dataclasses import dataclass

from bench.http_load import Connection, get_request
from bench.perf_env import HOST, PerfEnv

MANY_PROGRAMS = (
    "query($n: Int!) { programs(first: $n) "
    "{ nodes { microcycles { sessions { exercises { movement { name } } } } } } }"
)
PAGES = (100, 50, 20, 10, 5, 2, 1)
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


async def largest_allowed_page(env: PerfEnv, account: str) -> int | None:
    """The largest ``first`` in ``PAGES`` the cost limit lets through (None: not even 1)."""
    for first in PAGES:
        result = await measure(env, env.graphql_bytes(account, MANY_PROGRAMS, {"n": first}), polls=False)
        if result.code is None:
            return first
    return None


async def measure(env: PerfEnv, request: bytes, *, polls: bool = True) -> BlockingResult:
    """Send ``request`` once; meanwhile (with ``polls``) ask ``/healthz`` every 10 ms."""
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
        poller = asyncio.create_task(poll() if polls else done.wait())
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
    worst = max(latencies, default=0.0)
    return BlockingResult(elapsed, status, code, message, len(body), worst, len(latencies))
