"""PostgreSQL and Redis servers a test owns, so it can stop, kill and restart them for real.

The shared servers of the run (``servers`` in conftest) must never be stopped: other tests use
them. These are started from the same embedded binaries the project ships, in a temporary
folder, and keep their address across restarts, so clients reconnect as they would in production.
"""

import os
import shutil
import signal
import time
from pathlib import Path

from core.embedded_postgres import EmbeddedPostgres
from core.embedded_redis import EmbeddedRedis, free_port


class OwnPostgres:
    """A PostgreSQL cluster of the test's own (unix socket; same URL after a restart)."""

    def __init__(self, root: Path) -> None:
        self._server = EmbeddedPostgres(root)
        self.url = ""

    def start(self) -> str:
        url = self._server.start()
        if self.url and url != self.url:
            raise AssertionError(f"PostgreSQL came back at another address: {url} != {self.url}")
        self.url = url
        return url

    def stop(self) -> None:
        self._server.stop()


class OwnRedis:
    """A redis-server of the test's own on a fixed port; ``restart_empty`` loses everything."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self._server = EmbeddedRedis(root)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        self._server.start(port=self.port)
        return self.url

    def stop(self) -> None:
        self._server.stop()

    def freeze(self) -> None:
        """SIGSTOP: connections stay open and nothing answers (a hung server, not a refused port)."""
        assert self._server.pid is not None
        os.kill(self._server.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self._server.pid is not None
        os.kill(self._server.pid, signal.SIGCONT)

    def restart_empty(self, down_s: float = 0.0) -> None:
        """Stop, throw the data away (as a Redis without persistence loses it), wait, start."""
        self.stop()
        shutil.rmtree(self._server.dir, ignore_errors=True)
        time.sleep(down_s)  # the outage itself, not a wait for a condition
        self.start()
