"""Watchers of one program with the same subscription share one execution per event.

Strawberry executes a subscription's selection once per subscriber per event: with a thousand
watchers of a program that is the whole cost. Here subscribers of the same field and program,
with the same document, variables (their ``after`` aside) and user form a group. The group
follows the program's feed with one listener, executes the document once per event with
Strawberry's own executor and serializes the result once; each member's sender task writes that
text, inside its protocol's message, to its socket: all the messages waiting for it in one write
where the server allows it (``web.websocket_protocol``), one ASGI send each otherwise.

Members start in different places (a snapshot, a replay after a cursor, the progress now); those
first messages come from the same execution, cached: each session's snapshot entry until that
session changes (the cursor is filled in per member), each recent event by its number, the
progress by the number it is at. Getting the messages onto each member's socket, and closing it
with 4413 when it does not read, is ``web.live_delivery``'s: it never slows the group.
"""

import asyncio
import contextlib
import json
import logging
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from inspect import isawaitable
from typing import Any

from graphql import DocumentNode, ExecutionResult
from graphql.execution import execute_subscription_event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from resolvers.context import GraphQLInfo
from schema.errors import classify_errors
from services.live.generation_progress import GenerationProgress
from services.live.program_view import ProgramView
from services.live.status_hub import Feed, Listener, ListenerDropped, StatusHub
from services.live.status_log import StatusEvent, events_after
from web.idle_memory import IdleMemoryRelease
from web.live_delivery import Flusher, Member
from web.live_operation import LIVE_OPERATION, LiveOperation

log = logging.getLogger(__name__)

STATUS_FIELD = "sessionStatusChanged"
PROGRESS_FIELD = "programGenerationProgress"
RENDERED_EVENTS = 256  # per group, for late joiners resuming; older ones are rendered again
IDLE_RELEASE_S = 5.0  # after the last group ends, give freed memory back (web.idle_memory)
REPLAY_PAGE = 500
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
                rendered = await self._once(("entry", state), lambda s=state: self.render(s))  # type: ignore[misc]
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


class LiveGroups:
    """Every group of this API process, by key; a group lives while it has members."""

    def __init__(
        self,
        hub: StatusHub,
        factory: async_sessionmaker[AsyncSession],
        make_context: Callable[[Any], Any],
        *,
        max_unsent_bytes: int,
    ) -> None:
        self._hub = hub
        self._factory = factory
        self._make_context = make_context
        self.max_unsent_bytes = max_unsent_bytes
        self.groups: dict[GroupKey, Group] = {}
        self._locks: dict[GroupKey, asyncio.Lock] = {}
        self._flusher = Flusher()
        self.idle_memory = IdleMemoryRelease(IDLE_RELEASE_S)

    @property
    def subscriptions(self) -> int:
        """Live subscriptions of this process, every group's members."""
        return sum(len(group.members) for group in self.groups.values())

    @property
    def executions(self) -> int:
        return sum(group.executions for group in self.groups.values())

    async def serve_status_events(self, info: GraphQLInfo, program_id: int, after: int | None) -> bool:
        """Serve this ``sessionStatusChanged`` subscription from its group until the watcher
        leaves; False when it is not running on one of our sockets (the caller serves it)."""
        op = LIVE_OPERATION.get()
        if op is None:
            return False
        group = await self._join(STATUS_FIELD, info, program_id, op)
        # Where the member starts is read from the view here, before any await: the group hands
        # it every event after ``seq`` from now on.
        view = group.view
        seq = view.seq
        recent = view.events_after(after) if after is not None and after <= seq else None
        snapshot = view.snapshot() if recent is None else None  # also if the log cannot replay
        member = Member(op, seq, self.max_unsent_bytes, self._flusher)
        group.members.add(member)
        try:
            events = recent
            if events is None and after is not None and after <= seq:
                events = await self._replay_from_log(program_id, after, seq)
            if events is not None:
                first = [op.message(await group.event_payload(e)) for e in events]
            else:
                assert snapshot is not None
                first = [op.message(p) for p in await group.snapshot_payloads(snapshot.sessions, seq)]
            member.start(first)
            # This frame lives as long as the subscription: let the first messages and the
            # state they came from go once sent (a few KB per watcher otherwise).
            del first, events, recent, snapshot
            await member.done.wait()
        finally:
            await self._leave(group, member)
        if member.dropped:
            raise ListenerDropped(member.dropped)
        return True

    async def serve_progress(self, info: GraphQLInfo, program_id: int) -> bool:
        """Serve this ``programGenerationProgress`` subscription from its group: the progress now,
        then after each change, until nothing is pending or in progress."""
        op = LIVE_OPERATION.get()
        if op is None:
            return False
        group = await self._join(PROGRESS_FIELD, info, program_id, op)
        seq, progress = group.view.seq, group.view.progress
        member = Member(op, seq, self.max_unsent_bytes, self._flusher)
        group.members.add(member)
        try:
            member.start([op.message(await group.progress_payload(seq, progress))])
            if progress.finished:
                member.end_when_sent()
            await member.done.wait()
        finally:
            await self._leave(group, member)
        if member.dropped:
            raise ListenerDropped(member.dropped)
        return True

    async def _replay_from_log(self, program_id: int, after: int, until: int) -> list[StatusEvent] | None:
        """Events (after, until] from PostgreSQL, or None when the log no longer reaches back."""
        events: list[StatusEvent] = []
        position = after
        while position < until:
            async with self._factory() as db:
                page = await events_after(db, program_id, position, limit=REPLAY_PAGE)
            page = [e for e in page if e.seq <= until]
            if not page or page[0].seq != position + 1:
                return None
            events += page
            position = page[-1].seq
        return events

    def _key(self, field: str, info: GraphQLInfo, program_id: int, op: LiveOperation) -> GroupKey:
        raw = info._raw_info
        source = raw.operation.loc.source.body if raw.operation.loc is not None else ""
        variables = {k: v for k, v in op.variables.items() if k != "after"}
        name = raw.operation.name.value if raw.operation.name is not None else None
        user = info.context.require_user()
        return GroupKey(field, program_id, user.id, source, name, json.dumps(variables, sort_keys=True))

    async def _join(self, field: str, info: GraphQLInfo, program_id: int, op: LiveOperation) -> Group:
        key = self._key(field, info, program_id, op)
        group = self.groups.get(key)
        if group is not None:
            return group
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            group = self.groups.get(key)
            if group is not None:
                return group
            group = await self._create(key, info, program_id, op)
            self.groups[key] = group
        return group

    async def _create(self, key: GroupKey, info: GraphQLInfo, program_id: int, op: LiveOperation) -> Group:
        raw = info._raw_info
        document = DocumentNode(definitions=(raw.operation, *raw.fragments.values()))
        executor_class = info.schema.execution_context_class  # Strawberry's own, as it would execute
        executor = executor_class.build(
            raw.schema,
            document,
            context_value=self._make_context(info.context),
            raw_variable_values=op.variables,
            operation_name=key.operation_name,
        )
        if isinstance(executor, list):  # the document was validated already: not expected
            raise RuntimeError(f"cannot execute the subscription: {executor}")
        listener = Listener(self._hub.queue_size)
        feed = await self._hub.join(program_id, listener)
        group = Group(key, executor, feed, listener)
        group.task = asyncio.create_task(group.run(), name=f"live-group-{program_id}")
        self.idle_memory.cancel()
        return group

    async def _leave(self, group: Group, member: Member) -> None:
        member.end()
        group.members.discard(member)
        if group.members or self.groups.get(group.key) is not group:
            return
        del self.groups[group.key]
        self._locks.pop(group.key, None)
        if group.task is not None:
            group.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await group.task
        self._hub.leave(group.feed, group.listener)
        if not self.groups:
            self.idle_memory.schedule()
