"""``main.py serve`` stops as a service should, and starts and stops quietly for a new user.

SIGTERM closes every WebSocket with 1012 ("service restart", both protocols) and the process
exits 0 within a few seconds. The embedded demo prints nothing after its banner at start-up (no
alembic or arq lines, the in-process worker's "ready" before it), a browser leaving mid-stream
is no error, and Ctrl-C ends with "stopped; data kept in <data dir>"."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from core.embedded_redis import free_port
from models import Role
from services.access.users import create_user
from tests.program_requests import CREATE_PROGRAM, PROGRESS, program_input
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
SERVICE_RESTART = 1012
STOP_WITHIN_S = 5
PROGRAMS = "{ programs(first: 1) { nodes { id } } }"
WAITING_ON_PROGRAMS = """SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE c.relname = 'programs' AND NOT l.granted
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"""


def serve(port: int, **env: str) -> subprocess.Popen[str]:
    """``main.py serve`` with stdout and stderr in one pipe, in the order they were written."""
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "HOST", "PORT"}}
    return subprocess.Popen(
        [sys.executable, "main.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env={**base, "LOG_LEVEL": "INFO", "THIRD_PARTY_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def read_until(process: subprocess.Popen[str], prefix: str) -> list[str]:
    """Lines up to and including the first that starts with ``prefix`` (the pytest timeout bounds
    the wait)."""
    assert process.stdout is not None
    lines: list[str] = []
    while line := process.stdout.readline():
        lines.append(line.rstrip("\n"))
        if line.startswith(prefix):
            return lines
    raise AssertionError(f"serve ended before {prefix!r}:\n" + "\n".join(lines))


async def open_socket(url: str, protocol: str, token: str) -> ClientConnection:
    ws = await connect(url, subprotocols=[Subprotocol(protocol)])
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    return ws


async def subscribe_progress(ws: ClientConnection, program_id: str) -> dict[str, Any]:
    query = {"query": PROGRESS, "variables": {"programId": program_id}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": query}))
    first = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert first["type"] == "next", first
    return first


async def closed(ws: ClientConnection, timeout: float) -> tuple[int | None, str | None]:
    """Read (and drop) what the server still sends until it closes the socket."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    except ConnectionClosed:
        return ws.close_code, ws.close_reason


async def test_sigterm_closes_websockets_with_1012_and_exits_0_within_seconds(
    database_url: str,
    redis_url: str,
    redis: object,
    library: None,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as db, db.begin():
        _, token = await create_user(db, "shutdown@example.com", "Shutdown", Role.COACH)
    port = free_port()
    process = serve(port, DATABASE_URL=database_url, REDIS_URL=redis_url)
    try:
        read_until(process, "liftplan serving on")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            created = await client.post(
                "/graphql",
                json={"query": CREATE_PROGRAM, "variables": {"input": program_input()}},
                headers={"Authorization": f"Bearer {token}"},
            )
        program_id = created.json()["data"]["createProgram"]["program"]["id"]
        url = f"ws://127.0.0.1:{port}/graphql"
        watching = await open_socket(url, "graphql-transport-ws", token)
        await subscribe_progress(watching, program_id)  # no worker: it stays open, PENDING
        legacy = await open_socket(url, "graphql-ws", token)

        process.send_signal(signal.SIGTERM)
        stopping = time.monotonic()
        codes = await asyncio.gather(closed(watching, STOP_WITHIN_S), closed(legacy, STOP_WITHIN_S))
        code = await asyncio.to_thread(process.wait, STOP_WITHIN_S)
        took = time.monotonic() - stopping
    finally:
        if process.poll() is None:
            process.kill()
        output, _ = process.communicate(timeout=30)

    assert list(codes) == [(SERVICE_RESTART, "the server is restarting")] * 2
    assert code == 0, output
    assert took < STOP_WITHIN_S, took
    print(f"serve stopped {took:.2f} s after SIGTERM")
    assert " ERROR " not in output and "Traceback" not in output, output
    assert output.splitlines()[-1:] == ["stopped"]


async def test_the_embedded_demo_starts_quietly_and_ctrl_c_says_where_the_data_is(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    process = serve(port, LIFTPLAN_DATA_DIR=str(data_dir))
    try:
        start_up = read_until(process, "demo API token")
        token = start_up[-1].rsplit(" ", 1)[-1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            programs = await client.post(
                "/graphql", json={"query": PROGRAMS}, headers={"Authorization": f"Bearer {token}"}
            )
        program_id = programs.json()["data"]["programs"]["nodes"][0]["id"]
        # A browser navigating away while its program is being generated and streamed to it.
        leaving = await open_socket(f"ws://127.0.0.1:{port}/graphql", "graphql-transport-ws", token)
        await subscribe_progress(leaving, program_id)
        await leaving.close(code=1001)  # "going away", what a browser sends

        process.send_signal(signal.SIGINT)
        code = await asyncio.to_thread(process.wait, 30)
    finally:
        if process.poll() is None:
            process.kill()
        rest, _ = process.communicate(timeout=30)

    assert code == 0, rest
    assert start_up[-2].startswith(f"liftplan serving on http://127.0.0.1:{port}/")
    assert not [line for line in start_up if " alembic" in line or " arq." in line], start_up
    assert any("worker ready" in line for line in start_up)  # before the banner, not after it
    after = rest.splitlines()
    assert not [line for line in after if " ERROR " in line or " WARNING " in line or "Traceback" in line], (
        after
    )
    assert after[-1:] == [f"stopped; data kept in {data_dir}"]


async def test_sigterm_cuts_a_request_still_running_after_the_grace_with_503_and_stores_nothing(
    database_url: str,
    redis_url: str,
    redis: object,
    library: None,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """A createProgram held by a lock (a stand-in for any slow request) is answered 503 UNAVAILABLE
    once API_SHUTDOWN_GRACE_S has passed, not uvicorn's plain 500 with a traceback; its transaction
    rolls back, so no half-made program stays; the process exits 0 soon after."""
    async with session_factory() as db, db.begin():
        _, token = await create_user(db, "held@example.com", "Held", Role.COACH)
    grace_s = 1
    port = free_port()
    process = serve(port, DATABASE_URL=database_url, REDIS_URL=redis_url, API_SHUTDOWN_GRACE_S=str(grace_s))
    try:
        read_until(process, "liftplan serving on")
        async with session_factory() as lock, lock.begin():
            await lock.execute(text("LOCK TABLE programs IN ACCESS EXCLUSIVE MODE"))
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                creating = asyncio.create_task(
                    client.post(
                        "/graphql",
                        json={"query": CREATE_PROGRAM, "variables": {"input": program_input()}},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                )
                await eventually(
                    waiting_on_the_lock(session_factory), timeout=30, what="createProgram waits on the lock"
                )
                process.send_signal(signal.SIGTERM)
                stopping = time.monotonic()
                answer = await creating
                answered = time.monotonic() - stopping
            code = await asyncio.to_thread(process.wait, STOP_WITHIN_S)
    finally:
        if process.poll() is None:
            process.kill()
        output, _ = process.communicate(timeout=30)

    assert grace_s <= answered < grace_s + STOP_WITHIN_S, answered
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"].isdigit()
    assert answer.json() == {
        "errors": [{"message": "the server is restarting; try again", "extensions": {"code": "UNAVAILABLE"}}]
    }
    assert code == 0, output
    async with session_factory() as db:
        assert await db.scalar(text("SELECT count(*) FROM programs")) == 0
    assert " ERROR " not in output and "Traceback" not in output, output
    assert "1 request(s) still running 1 s after the server began to stop are cut" in output, output
    assert output.splitlines()[-1:] == ["stopped"]


def waiting_on_the_lock(factory: async_sessionmaker[AsyncSession]) -> Callable[[], Awaitable[bool]]:
    async def waiting() -> bool:
        async with factory() as db:
            return bool(await db.scalar(text(WAITING_ON_PROGRAMS)))

    return waiting
