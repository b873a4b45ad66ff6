"""liftplan's own processes, started as an operator would: ``main.py worker`` and ``main.py serve``.

Each writes its log to a file the test reads afterwards (ERROR lines, one WARNING per outage).
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

import httpx

from core.embedded_redis import free_port

ROOT = Path(__file__).resolve().parents[1]


class ServiceProcess:
    def __init__(self, name: str, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> Self:
        self.starts += 1
        log = self.log_path.open("a")
        log.write(f"--- start {self.starts} ---\n")
        log.flush()
        self.process = subprocess.Popen(
            [sys.executable, "main.py", *self.args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        assert self.process is not None
        self.process.wait(30)

    def stop(self, timeout: float = 30) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGCONT)  # a paused process could not stop
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(30)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def lines(self, level: str) -> list[str]:
        return [line for line in self.log().splitlines() if re.search(rf"\] {level} |\s{level}\s", line)]


def service_env(database_url: str, redis_url: str, **settings: object) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, LOG_LEVEL="INFO")
    env.update({name.upper(): str(value) for name, value in settings.items()})
    return env


def worker_process(name: str, env: dict[str, str], log_dir: Path) -> ServiceProcess:
    return ServiceProcess(name, ["worker"], env, log_dir / f"{name}.log")


class ApiProcess(ServiceProcess):
    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.port = free_port()
        super().__init__(name, ["serve"], {**env, "PORT": str(self.port)}, log_dir / f"{name}.log")
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/graphql"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive:
                raise AssertionError(f"{self.name} exited:\n{self.log()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.name} not ready in {timeout} s:\n{self.log()[-3000:]}")
