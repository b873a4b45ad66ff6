"""Watchers of one program with the same subscription share one execution per event.

Strawberry executes a subscription's selection once per subscriber per event: with a thousand
watchers of a program that is the whole cost. Here subscribers of the same field and program,
with the same document, variables (their ``after`` aside) and user join one group
(``web.watcher_group``), which executes the document once per event and serializes the result
once; each member's sender task writes that text, inside its protocol's message, to its socket:
all the messages waiting for it in one write where the server allows it
(``web.websocket_protocol``), one ASGI send each otherwise. This module keeps the process's groups:
it gathers each subscriber into its group, starts it where it asked (a snapshot, a replay after a
cursor, the progress now) and ends the group with its last member. Getting the messages onto each
member's socket, and closing it with 4413 when it does not read, is ``web.live_delivery``'s: it
never slows the group.
"""

import asyncio
import json
from collections.abc import Callable
from typing import Any

from graphql import DocumentNode
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.stopping import cancel_and_wait
from resolvers.context import GraphQLInfo
from services.live.status_hub import Listener, ListenerDropped, StatusHub
from services.live.status_log import StatusEvent, events_after
from web.idle_memory import IdleMemoryRelease
from web.live_delivery import Flusher, Member
from web.live_operation import LIVE_OPERATION, LiveOperation
from web.watcher_group import PROGRESS_FIELD, STATUS_FIELD, Group, GroupKey

IDLE_RELEASE_S = 5.0  # after the last group ends, give freed memory back (web.idle_memory)
REPLAY_PAGE = 500


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
            await cancel_and_wait(group.task)
        self._hub.leave(group.feed, group.listener)
        if not self.groups:
            self.idle_memory.schedule()
