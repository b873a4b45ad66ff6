"""uvicorn's server, printing where it listens (and the demo token) once it does, so the banner is
the last thing a user sees at start-up and never announces a server that failed to start.

It also stops as a service should: on SIGTERM or Ctrl-C, ``before_shutdown`` runs first (the app
closes its WebSockets with 1012), then uvicorn's shutdown (stop accepting, let requests finish
within ``timeout_graceful_shutdown``, the lifespan's end), and the process then ends normally,
exit 0, where uvicorn would raise the signal again and die by it."""

import contextlib
import signal
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator

import uvicorn

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class AnnouncingServer(uvicorn.Server):
    def __init__(
        self,
        config: uvicorn.Config,
        banner: list[str],
        before_shutdown: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(config)
        self.banner = banner
        self.before_shutdown = before_shutdown

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            for line in self.banner:
                print(line, flush=True)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.before_shutdown is not None:
            await self.before_shutdown()
        await super().shutdown(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """uvicorn's, with the signal it raises again once stopped landing on an ignoring handler."""
        if threading.current_thread() is not threading.main_thread():
            with super().capture_signals():
                yield
            return
        originals = {sig: signal.signal(sig, signal.SIG_IGN) for sig in STOP_SIGNALS}
        try:
            with super().capture_signals():
                yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)
