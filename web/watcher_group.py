"""One group of watchers (gathered by ``web.live_groups``): the subscribers of one program with one
subscription document, variables (their ``after`` aside) and user. The group follows the
program's feed with one listener, executes the document once per event with Strawberry's own
executor, serializes the result once and hands that text to every member.

Members start in different places (a snapshot, a replay after a cursor, the progress now); those
first messages come from the same execution, cached: each session's snapshot entry until that
session changes (the cursor is filled in per member), each recent event by its number, the
progress by the number it is at.
"""

import asyncio
import functools
import json
import logging
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from inspect import isawaitable
from typing import Any

from graphql import ExecutionResult
from graphql.execution import execute_subscription_event

from schema.errors import classify_errors
from services.live.generation_progress import GenerationProgress
from services.live.program_view import ProgramView
from services.live.status_hub import Feed, Listener, ListenerDropped
from services.live.status_log import StatusEvent
from web.live_delivery import Member

log = logging.getLogger(__name__)

STATUS_FIELD = "sessionStatusChanged"
PROGRESS_FIELD = "programGenerationProgress"
RENDERED_EVENTS = 256  # per group, for late joiners resuming; older ones are rendered again
# Snapshot entries are rendered once with this cursor and the member's own put in its place.
_PLACEHOLDER_SEQ = -secrets.randbits(62)
_PLACEHOLDER = json.dumps(str(_PLACEHOLDER_SEQ))


@dataclass(frozen=True)
class GroupKey:
    field: str
    program_id: int
    user_id: int
    document: str
    operation_name: str | None
    variables: str


class Group:
    """The watchers of one program with one subscription document, variables and user."""

    def __init__(self, key: GroupKey, executor: Any, feed: Feed, listener: Listener) -> None:
        assert feed.view is not None
        feed_view = feed.view
        self.key = key
        self._executor = executor
        self.feed = feed
        self.view: ProgramView = feed_view
        self.listener = listener
        self.members: set[Member] = set()
        self.executions = 0
        self._events: OrderedDict[int, str] = OrderedDict()  # seq -> payload
        self._entries: dict[int, tuple[StatusEvent, str]] = {}  # session -> (its state, payload)
        self._progress: tuple[int, str] | None = None
        self._counts = dict(feed_view.progress.counts)
        self._statuses = {e.session_id: e.status for e in feed_view.snapshot().sessions}
        self._inflight: dict[object, asyncio.Future[str]] = {}
        self.task: asyncio.Task[None] | None = None

    async def render(self, root: object) -> str:
        """Execute the document for one root value and serialize the result, once."""
        self.executions += 1
        executor = self._executor.build_per_event_executor(root)
        # graphql-core's per-event copy shares the memo of collected subfields with the executor
        # it copies, keyed by field lists made afresh for each event: shared, it grows with every
        # event of the group's life (B of bench.live_watchers: +16% memory over 10,000 events).
        executor._relevant_sub_fields = {}
        result = execute_subscription_event(executor)
        if isawaitable(result):
            result = await result
        assert isinstance(result, ExecutionResult)
        if result.errors:
            result.errors = classify_errors(result.errors)
        return json.dumps(result.formatted, separators=(",", ":"))

    async def _once(self, key: object, render: Callable[[], Awaitable[str]]) -> str:
        """``render()``, shared by every caller asking for ``key`` while it runs."""
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            payload = await render()
            future.set_result(payload)
            return payload
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here; waiters re-raise it
            raise
        finally:
            del self._inflight[key]

    async def event_payload(self, event: StatusEvent) -> str:
        cached = self._events.get(event.seq)
        if cached is not None:
            return cached
        payload = await self._once(("event", event.seq), lambda: self.render(event))
        self._events[event.seq] = payload
        while len(self._events) > RENDERED_EVENTS:
            self._events.popitem(last=False)
        return payload

    async def snapshot_payloads(self, sessions: list[StatusEvent], seq: int) -> list[str]:
        """Each session's snapshot entry at ``seq``, rendered once per state of the session."""
        cursor = json.dumps(str(seq))
        payloads = []
        for entry in sessions:
            state = replace(entry, seq=_PLACEHOLDER_SEQ)
            cached = self._entries.get(entry.session_id)
            if cached is None or cached[0] != state:
                rendered = await self._once(("entry", state), functools.partial(self.render, state))
                cached = self._entries[entry.session_id] = (state, rendered)
            payloads.append(cached[1].replace(_PLACEHOLDER, cursor))
        return payloads

    async def progress_payload(self, seq: int, progress: GenerationProgress) -> str:
        if self._progress is not None and self._progress[0] == seq:
            return self._progress[1]
        payload = await self._once(("progress", seq), lambda: self.render(progress))
        self._progress = (seq, payload)
        return payload

    def _broadcast(self, seq: int, payload: str, *, last: bool = False) -> None:
        messages: dict[str, str] = {}  # one message object per operation id, framed once
        for member in list(self.members):
            if member.last < seq:
                member.last = seq
                message = messages.get(member.op.prefix)
                if message is None:
                    message = messages[member.op.prefix] = member.op.message(payload)
                member.push(message)
                if last:
                    member.end_when_sent()

    async def run(self) -> None:
        """Execute each new event once and hand the result to every member."""
        try:
            while True:
                event = await self.listener.next()
                if self.key.field == STATUS_FIELD:
                    self._broadcast(event.seq, await self.event_payload(event))
                    continue
                before = self._statuses.get(event.session_id)
                if before is not None:
                    self._counts[before] -= 1
                self._counts[event.status] += 1
                self._statuses[event.session_id] = event.status
                progress = GenerationProgress(dict(self._counts))
                payload = await self.progress_payload(event.seq, progress)
                self._broadcast(event.seq, payload, last=progress.finished)
        except ListenerDropped as exc:
            for member in list(self.members):
                member.end(dropped=str(exc))
        except Exception:
            log.error("live group of program %d failed", self.key.program_id, exc_info=True)
            for member in list(self.members):
                member.end(dropped="the live stream failed")
