"""The program view over HTTP: liftplan (cold and warm) against its two floors and the load
generator's own ceiling, all with ``bench.http_load`` in this process.

Warm: the same request again and again (unchanged program, same viewer and document). Cold:
before every request (outside its timing) a status event is appended to the program's log, as
the worker does when a session changes, so its log head moves and no earlier answer may be
reused (the response cache keys on the head: ``services.programs.view_versions``). The floors run in
processes of their own (``bench.view_floor_servers``); the ceiling is the same client against
their ``GET /ping``.
"""

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import ROOT, BenchError
from bench.http_load import Connection, LoadResult, expect_ok, get_request, post_request, run_load
from bench.perf_env import HOST, PerfEnv
from core.embedded_redis import free_port
from schema.documents import PROGRAM_VIEW

BUMP = """
WITH head AS (
    INSERT INTO status_event_heads AS h (program_id, last_seq) VALUES ($1, 1)
    ON CONFLICT (program_id) DO UPDATE SET last_seq = h.last_seq + 1 RETURNING last_seq
)
INSERT INTO status_events (program_id, seq, session_id, status, error, attempt)
SELECT $1, head.last_seq, $2, 'COMPLETE', NULL, 1 FROM head
"""


class FloorServer:
    """``python -m bench.view_floor_servers`` in a subprocess, ready once ``/ping`` answers."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bench.view_floor_servers", *args, "--port", str(self.port)],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    async def ready(self, timeout_s: float = 30.0) -> "FloorServer":
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                connection = await Connection.open(HOST, self.port)
                try:
                    if (await connection.request(get_request(HOST, self.port, "/ping")))[0] == 200:
                        return self
                finally:
                    await connection.close()
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise BenchError(f"floor server did not start; see {self.log}")
            await asyncio.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def write_json(folder: Path, value: object) -> Path:
    path = Path(tempfile.mkstemp(prefix="liftplan-view-", suffix=".json", dir=folder)[1])
    path.write_text(json.dumps(value))
    return path


def first_difference(ours: object, theirs: object, path: str = "program") -> str | None:
    """Where two JSON values first differ, or None when they are equal."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        if ours.keys() != theirs.keys():
            return f"{path}: keys {sorted(ours.keys() ^ theirs.keys())}"
        return next((d for k in ours if (d := first_difference(ours[k], theirs[k], f"{path}.{k}"))), None)
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return f"{path}: {len(ours)} items vs {len(theirs)}"
        pairs = enumerate(zip(ours, theirs, strict=True))
        return next((d for i, (a, b) in pairs if (d := first_difference(a, b, f"{path}[{i}]"))), None)
    return None if ours == theirs else f"{path}: {ours!r} vs {theirs!r}"


async def check_same_answer(port: int, request: bytes, expected: object, floor: str) -> None:
    """A floor must answer what liftplan answers, or it is not the same work."""
    connection = await Connection.open(HOST, port)
    try:
        async with asyncio.timeout(60):
            _status, body = await connection.request(request)
    finally:
        await connection.close()
    difference = first_difference(expected, json.loads(body).get("data", {}).get("program"))
    if difference is not None:
        print(f"    warning: floor {floor} does not answer what liftplan does: {difference}", flush=True)


@dataclass(frozen=True)
class ViewProgram:
    sessions: int
    program_id: int
    session_id: int  # whose event the cold runs append
    clients: tuple[int, ...]  # 1 and 16 for the 84-session program, 1 for the 312


async def measure(
    env: PerfEnv, account: str, programs: list[ViewProgram], seconds: float, log_dir: Path
) -> dict[str, LoadResult]:
    """Every figure of the program view, keyed e.g. ``liftplan 84 cold 16`` or ``floor_b 312 1``."""
    views = {}
    for program in programs:
        answer = await env.graphql(account, PROGRAM_VIEW, {"id": str(program.program_id)})
        views[str(program.program_id)] = answer["data"]["program"]
    data = write_json(log_dir, list(views.values()))
    floor_a = FloorServer(["strawberry", "--data", str(data)], log_dir / "floor-strawberry.log")
    floor_b = FloorServer(["json", "--database-url", env.dsn], log_dir / "floor-json.log")
    pool = await asyncpg.create_pool(env.dsn, min_size=1, max_size=4)
    results: dict[str, LoadResult] = {}
    try:
        await floor_a.ready()
        await floor_b.ready()
        ping = [get_request(HOST, floor_b.port, "/ping")]
        for clients in (1, 16):
            results[f"ceiling {clients}"] = await run_load(
                HOST, floor_b.port, ping, clients=clients, seconds=seconds
            )
        for program in programs:
            n, variables = program.sessions, {"id": str(program.program_id)}
            body = {"query": PROGRAM_VIEW, "variables": variables}
            view = [env.graphql_bytes(account, PROGRAM_VIEW, variables)]
            a = [post_request(HOST, floor_a.port, "/graphql", body, None)]
            b = [get_request(HOST, floor_b.port, f"/program/{program.program_id}")]

            await check_same_answer(floor_a.port, a[0], views[variables["id"]], "(a)")
            await check_same_answer(floor_b.port, b[0], views[variables["id"]], "(b)")

            async def bump(program: ViewProgram = program) -> None:
                await pool.execute(BUMP, program.program_id, program.session_id)

            for clients in program.clients:
                minimum = 30 if clients == 1 else 2 * clients
                load: dict[str, Any] = {
                    "clients": clients,
                    "seconds": seconds,
                    "min_requests": minimum,
                    "check": expect_ok,
                }
                results[f"liftplan {n} cold {clients}"] = await run_load(
                    HOST, env.port, view, before_each=bump, **load
                )
                results[f"liftplan {n} warm {clients}"] = await run_load(HOST, env.port, view, **load)
                results[f"floor_a {n} {clients}"] = await run_load(HOST, floor_a.port, a, **load)
                results[f"floor_b {n} {clients}"] = await run_load(HOST, floor_b.port, b, **load)
                p50 = {k: results[f"{k} {clients}"].p50 for k in (f"liftplan {n} cold", f"liftplan {n} warm")}
                p50 |= {k: results[f"{k} {n} {clients}"].p50 for k in ("floor_a", "floor_b")}
                print(f"    program view {n} sessions, {clients} client(s), p50 ms: "
                      + ", ".join(f"{k} {v:.1f}" for k, v in p50.items()), flush=True)  # fmt: skip
    finally:
        await pool.close()
        floor_a.stop()
        floor_b.stop()
    return results
