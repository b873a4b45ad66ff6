"""``main.py serve`` with no URLs: embedded PostgreSQL and Redis, for real, in a subprocess."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from core.embedded_redis import free_port
from tests.web.graphiql_page import first_tab

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.embedded


def _env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(LIFTPLAN_DATA_DIR=str(data_dir), PORT=str(port), LOG_LEVEL="INFO")
    return env


def _main(data_dir: Path, port: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        env=_env(data_dir, port),
        capture_output=True,
        text=True,
        timeout=120,
    )


class Serve:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.log_path = data_dir.parent / f"serve-{self.port}.log"
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "main.py", "serve"],
                cwd=ROOT,
                env=_env(data_dir, self.port),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_healthy(self, timeout: float = 90) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited early:\n{self.log_path.read_text()}")
            try:
                response = httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2)
                if response.status_code == 200:
                    return response.json()
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError("serve did not become healthy")

    def stop(self, sig: int = signal.SIGINT) -> int:
        self.process.send_signal(sig)
        return self.process.wait(60)

    def servers(self) -> dict[str, str]:
        return json.loads((self.data_dir / "servers.json").read_text())


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"
    # Whatever happened, leave no server running behind the test.
    for pidfile in (tmp_path / "data/redis/redis.pid",):
        if pidfile.exists():
            subprocess.run(["pkill", "-F", str(pidfile)], check=False)
    pgdata = tmp_path / "data/postgres"
    if (pgdata / "postmaster.pid").exists():
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; only its parent has not reaped it yet.
    return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()


async def _write_marker(urls: dict[str, str]) -> None:
    connection = await asyncpg.connect(urls["database_url"])
    try:
        await connection.execute(
            "INSERT INTO users (email, display_name, role) VALUES ('keep@example.com', 'Keep', 'coach')"
        )
    finally:
        await connection.close()
    redis = Redis.from_url(urls["redis_url"])
    await redis.set("liftplan:test:marker", "kept")
    await redis.aclose()


async def _read_marker(urls: dict[str, str]) -> tuple[str | None, bytes | None]:
    connection = await asyncpg.connect(urls["database_url"])
    try:
        email = await connection.fetchval("SELECT email FROM users WHERE display_name = 'Keep'")
    finally:
        await connection.close()
    redis = Redis.from_url(urls["redis_url"])
    value = await redis.get("liftplan:test:marker")
    await redis.aclose()
    return email, value


PROGRESS = "{ viewer { role } programs { nodes { id generationProgress { total complete finished } } } }"


def _demo_progress(serve: Serve, token: str) -> dict[str, Any]:
    response = httpx.post(
        f"http://127.0.0.1:{serve.port}/graphql",
        json={"query": PROGRESS},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _graphiql_page(serve: Serve) -> str:
    response = httpx.get(
        f"http://127.0.0.1:{serve.port}/graphql", headers={"Accept": "text/html"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.text


def _wait_demo_generated(serve: Serve, token: str, timeout: float = 90) -> dict[str, Any]:
    """The in-process worker generates the demo program without any other command."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = _demo_progress(serve, token)
        progress: dict[str, Any] = data["programs"]["nodes"][0]["generationProgress"]
        if progress["finished"]:
            return progress
        time.sleep(0.5)
    raise AssertionError("the demo program was not generated")


async def test_serve_restart_keeps_data_and_second_start_is_refused(data_dir: Path) -> None:
    first = Serve(data_dir)
    health = first.wait_healthy()
    assert health["status"] == "ok"
    token = (data_dir / "demo-token").read_text()
    assert (data_dir / "demo-token").stat().st_mode & 0o777 == 0o600
    assert token in first.log_path.read_text()  # printed for the newcomer
    assert _wait_demo_generated(first, token) == {"total": 48, "complete": 48, "finished": True}
    urls = first.servers()
    db_url = _main(data_dir, 0, "db-url")
    assert db_url.returncode == 0 and db_url.stdout.strip() == urls["database_url"]
    await _write_marker(urls)

    second = _main(data_dir, free_port(), "serve")
    assert second.returncode == 3
    assert f"in use by liftplan pid {first.process.pid} (serve)" in second.stderr

    redis_pid = int((data_dir / "redis/redis.pid").read_text())
    postgres_pid = int((data_dir / "postgres/postmaster.pid").read_text().split()[0])
    assert first.stop() == 0
    assert not _alive(redis_pid) and not _alive(postgres_pid), "servers outlived serve"
    assert not (data_dir / "servers.json").exists()
    assert _main(data_dir, 0, "db-url").returncode == 1

    again = Serve(data_dir)
    try:
        again.wait_healthy()
        assert await _read_marker(again.servers()) == ("keep@example.com", b"kept")
        data = _demo_progress(again, token)  # the same demo token, the same single demo program
        assert data["viewer"] == {"role": "ADMIN"} and len(data["programs"]["nodes"]) == 1
        graphiql = _graphiql_page(again)
        # GraphiQL opens on the view of that program, with the demo token in its headers.
        assert first_tab(graphiql)[1] == {"id": data["programs"]["nodes"][0]["id"]}
        assert token in graphiql
    finally:
        assert again.stop() == 0


async def test_killed_serve_leaves_a_folder_the_next_start_can_use(data_dir: Path) -> None:
    first = Serve(data_dir)
    first.wait_healthy()
    await _write_marker(first.servers())
    first.stop(signal.SIGKILL)  # no clean-up at all: servers orphaned, lock released by the kernel

    again = Serve(data_dir)
    try:
        again.wait_healthy()
        assert await _read_marker(again.servers()) == ("keep@example.com", b"kept")
    finally:
        assert again.stop() == 0
