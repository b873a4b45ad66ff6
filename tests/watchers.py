"""A front end's view of a program, over a real graphql-transport-ws socket.

A ``Watcher`` subscribes to ``sessionStatusChanged``, keeps the last status of every session,
and whenever its socket drops (a server restarted, Redis lost, the hub dropped it) subscribes
again with ``after`` set to the last cursor it can safely resume from. It records every change
it receives and checks, as it goes, that changes arrive once each, in sequence order.
"""

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

WATCH = """
subscription Watch($programId: ID!, $after: String) {
  sessionStatusChanged(programId: $programId, after: $after) {
    sessionId status error attempt cursor snapshot
  }
}
"""


@dataclass
class Watcher:
    ws_url: str | Callable[[], str]
    token: str
    program_id: int
    session_count: int
    state: dict[int, str] = field(default_factory=dict)
    cursor: str | None = None  # the cursor to resume after (set once a snapshot is whole)
    changes: list[tuple[int, int, str]] = field(default_factory=list)  # (seq, session, status)
    snapshots: int = 0
    subscriptions: int = 0
    disorder: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    received_at: dict[int, float] = field(default_factory=dict)  # seq -> time.time() of receipt
    _task: "asyncio.Task[None] | None" = None
    _ws: ClientConnection | None = None
    _pending_snapshot: list[tuple[int, str, str]] = field(default_factory=list)

    def start(self) -> "Watcher":
        self._task = asyncio.create_task(self._run(), name=f"watcher-{self.program_id}")
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def reconnect(self) -> None:
        """Drop the socket, as a network blip would; the watcher resubscribes with its cursor."""
        if self._ws is not None:
            await self._ws.close()

    @property
    def last_seq(self) -> int | None:
        return int(self.cursor) if self.cursor is not None else None

    def _receive(self, event: dict[str, Any]) -> None:
        session_id, status, cursor = int(event["sessionId"]), event["status"], event["cursor"]
        if event["snapshot"]:
            self._pending_snapshot.append((session_id, status, cursor))
            if len(self._pending_snapshot) == self.session_count:  # whole: adopt it
                self.state = {sid: st for sid, st, _ in self._pending_snapshot}
                self.cursor = cursor
                self.snapshots += 1
                self._pending_snapshot = []
            return
        if self._pending_snapshot:
            self.disorder.append(f"change {cursor} inside a snapshot")
        seq = int(cursor)
        if self.last_seq is not None and seq != self.last_seq + 1:
            self.disorder.append(f"after {self.last_seq} came {seq}")
        self.state[session_id] = status
        self.cursor = cursor
        self.changes.append((seq, session_id, status))
        self.received_at[seq] = time.time()

    async def _subscribe_once(self) -> None:
        url = self.ws_url() if callable(self.ws_url) else self.ws_url
        async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")], open_timeout=5) as ws:
            self._ws = ws
            await ws.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {self.token}"}})
            )
            ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if ack.get("type") != "connection_ack":
                raise ConnectionError(f"not acknowledged: {ack}")
            self._pending_snapshot = []
            variables = {"programId": str(self.program_id), "after": self.cursor}
            await ws.send(
                json.dumps(
                    {"id": "1", "type": "subscribe", "payload": {"query": WATCH, "variables": variables}}
                )
            )
            self.subscriptions += 1
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif message.get("type") == "next":
                    payload = message["payload"]
                    if payload.get("errors"):
                        raise ConnectionError(f"errors: {payload['errors']}")
                    self._receive(payload["data"]["sessionStatusChanged"])
                elif message.get("type") in {"error", "complete"}:
                    raise ConnectionError(f"{message['type']}: {message.get('payload')}")

    async def _run(self) -> None:
        delay = 0.05
        while True:
            try:
                await self._subscribe_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            await asyncio.sleep(delay)  # reconnect backoff, as a browser would
            delay = min(1.0, delay * 2)
