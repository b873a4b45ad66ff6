"""``main.py serve`` binds its port before anything else: a busy port is one line naming what to
change, and the banner (URLs, token) is printed last, once the server answers."""

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.embedded_redis import free_port

ROOT = Path(__file__).resolve().parents[2]


def serve_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"HOST", "PORT"}}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, LOG_LEVEL="INFO")
    return env


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port this test holds, bound and listening, as another program would."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def test_serve_on_a_busy_port_says_which_setting_to_change_and_prints_no_banner(
    database_url: str, redis_url: str, busy_port: int
) -> None:
    env = {**serve_env(database_url, redis_url), "PORT": str(busy_port)}

    for args in (["serve"], ["serve", "--host", "127.0.0.1", "--port", str(busy_port)]):
        done = subprocess.run(
            [sys.executable, "main.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )

        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stdout == ""  # no banner, no token
        assert done.stderr.splitlines() == [
            f"error: port {busy_port} on 127.0.0.1 is in use: set PORT or pass --port with a free one "
            "(e.g. --port 8001)"
        ]


@pytest.mark.parametrize(
    ("stop", "code"),
    # Both are a clean stop, exit 0: serve does not let uvicorn raise the signal again once it has
    # shut down (see cli/announcing_server.py and tests/cli/test_serve_shutdown.py).
    [(signal.SIGTERM, 0), (signal.SIGINT, 0)],
)
def test_serve_port_flag_wins_and_the_banner_comes_once_it_answers(
    database_url: str, redis_url: str, stop: signal.Signals, code: int
) -> None:
    port = free_port()
    env = {**serve_env(database_url, redis_url), "PORT": "1"}  # the flag overrides the variable
    process = subprocess.Popen(
        [sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # blocks until the banner (or the end of output)
        base = f"http://127.0.0.1:{port}"
        assert first.startswith(f"liftplan serving on {base}/"), first

        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200  # already listening
    finally:
        process.send_signal(stop)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == code, err
    assert " ERROR " not in err and "Traceback" not in err, err


def test_serve_refuses_a_port_out_of_range() -> None:
    done = subprocess.run(
        [sys.executable, "main.py", "serve", "--port", "70000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "not a port number (0-65535): '70000'" in done.stderr
