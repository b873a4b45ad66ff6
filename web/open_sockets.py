"""The WebSockets this API process holds: how many per client address, and whose token each
was opened with.

A token is checked once, at ``connection_init``; after that it could be revoked or rotated while
the socket stays open. So every ``subscribe`` re-checks it (against a digest read at most
``DIGEST_TTL_S`` ago: a burst of subscribes costs one query), and a loop reads the current digests
of every connected user every ``recheck_s`` and closes, with 4403, the sockets whose token is no
longer the user's.

When the process stops, ``close_all`` closes every socket with 1012 ("service restart", RFC 6455
7.4.1): the server is going and the client should reconnect, to this process once restarted or to
another behind the same address, and resume with its cursor.
"""

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.stopping import cancel_and_wait
from services.access.users import token_hashes
from services.adapters.outages import Outages
from services.adapters.transient_errors import is_transient

log = logging.getLogger(__name__)

FORBIDDEN = 4403
SERVICE_RESTART = 1012
DIGEST_TTL_S = 1.0
Close = Callable[[int, str], Awaitable[None]]


@dataclass(eq=False)
class OpenSocket:
    address: str
    close: Close
    user_id: int | None = None
    token_hash: str | None = None


@dataclass
class _Digest:
    value: str | None
    read_at: float = field(default_factory=time.monotonic)


class OpenSockets:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        outages: Outages,
        *,
        per_address: int,
        recheck_s: float,
    ) -> None:
        self._factory = session_factory
        self._outages = outages
        self.per_address = per_address
        self._recheck_s = recheck_s
        self._by_address: Counter[str] = Counter()
        self._sockets: set[OpenSocket] = set()
        self._digests: dict[int, _Digest] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def count(self) -> int:
        """Open WebSockets of this process."""
        return len(self._sockets)

    def open(self, address: str, close: Close) -> OpenSocket | None:
        """Count a new socket from ``address``; None when that address has too many already."""
        if self._by_address[address] >= self.per_address:
            return None
        self._by_address[address] += 1
        socket = OpenSocket(address, close)
        self._sockets.add(socket)
        return socket

    def closed(self, socket: OpenSocket) -> None:
        if socket not in self._sockets:
            return
        self._sockets.discard(socket)
        self._by_address[socket.address] -= 1
        if self._by_address[socket.address] <= 0:
            del self._by_address[socket.address]

    def authenticated(self, socket: OpenSocket, user_id: int, token_hash: str) -> None:
        socket.user_id, socket.token_hash = user_id, token_hash
        self._digests[user_id] = _Digest(token_hash)

    async def still_valid(self, socket: OpenSocket) -> bool:
        """Whether the socket's token is still its user's (read afresh if the last read is old)."""
        if socket.user_id is None:
            return False
        digest = self._digests.get(socket.user_id)
        if digest is None or time.monotonic() - digest.read_at > DIGEST_TTL_S:
            async with self._factory() as db:
                current = await token_hashes(db, [socket.user_id])
            digest = self._digests[socket.user_id] = _Digest(current.get(socket.user_id))
        return digest.value is not None and digest.value == socket.token_hash

    def start(self) -> None:
        self._task = asyncio.create_task(self._recheck_loop(), name="token-recheck")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)

    async def close_all(self, code: int = SERVICE_RESTART, reason: str = "the server is restarting") -> int:
        """Close every open socket with ``code``; returns how many."""
        sockets = list(self._sockets)
        for socket in sockets:
            self.closed(socket)
        results = await asyncio.gather(*(s.close(code, reason) for s in sockets), return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):  # already gone: nothing left to close
                log.debug("closing a socket on shutdown: %r", result)
        return len(sockets)

    async def recheck(self) -> int:
        """Close the sockets whose token was revoked or rotated; returns how many."""
        sockets = [s for s in self._sockets if s.user_id is not None]
        if not sockets:
            return 0
        async with self._factory() as db:
            current = await token_hashes(db, {s.user_id for s in sockets if s.user_id is not None})
        now = time.monotonic()
        for user_id, value in current.items():
            self._digests[user_id] = _Digest(value, now)
        stale = [s for s in sockets if s.token_hash is None or current.get(s.user_id or 0) != s.token_hash]
        for socket in stale:
            self.closed(socket)
            with contextlib.suppress(Exception):
                await socket.close(FORBIDDEN, "the API token was revoked or replaced")
        return len(stale)

    async def _recheck_loop(self) -> None:
        while True:
            await asyncio.sleep(self._recheck_s)  # the interval between checks
            try:
                if closed := await self.recheck():
                    log.info("closed %d sockets whose token was revoked or replaced", closed)
            except Exception as exc:
                if is_transient(exc):
                    self._outages.database.failed(exc)
                else:
                    log.error("checking the tokens of open sockets failed", exc_info=True)
