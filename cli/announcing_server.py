"""uvicorn's server, printing where it listens (and the demo token) once it does, so the banner is
the last thing a user sees and never announces a server that failed to start."""

import socket

import uvicorn


class AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, banner: list[str]) -> None:
        super().__init__(config)
        self.banner = banner

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            for line in self.banner:
                print(line, flush=True)
