"""Identical subscriptions share one execution per event; a watcher that does not read is closed
without slowing anyone; both protocols are served from the same group."""

import asyncio
import json
import secrets
import socket
from contextlib import AsyncExitStack
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from core.settings import Settings
from models import GenerationStatus
from services.live.status_log import StatusChange
from services.programs.reads import program_session_ids
from services.unit_of_work import UnitOfWorkFactory
from tests.api.ws_client import GraphQLSocket, graphql_socket
from tests.api_client import Api, running_api
from tests.program_requests import create_program
from tests.waiting import eventually
from tests.workers import run_worker_until_idle

Factory = async_sessionmaker[AsyncSession]
WATCH = """subscription W($id: ID!, $after: String) {
  sessionStatusChanged(programId: $id, after: $after) { sessionId status cursor }
}"""
WATCH_MORE = (
    "subscription M($id: ID!) { sessionStatusChanged(programId: $id) { sessionId status attempt cursor } }"
)
WATCH_ERRORS = "subscription E($id: ID!) { sessionStatusChanged(programId: $id) { sessionId error cursor } }"


async def _take(socket: GraphQLSocket, op: str, count: int) -> list[dict[str, Any]]:
    stream = socket.messages(op)
    return [(await anext(stream))["data"]["sessionStatusChanged"] for _ in range(count)]


async def test_twenty_identical_watchers_cost_one_execution_per_event(
    api: Api, token: str, library: None, api_settings: Settings
) -> None:
    program_id = await create_program(api, token, weeks=4, daysPerWeek=7)  # 28 sessions
    live = api.app.state.live
    sockets = []
    async with AsyncExitStack() as stack:
        for document, count in ((WATCH, 20), (WATCH_MORE, 5)):
            for _ in range(count):
                socket_ = await stack.enter_async_context(graphql_socket(api.ws_url))
                sockets.append((socket_, document))
                await socket_.init(token)
        ops = [await s.subscribe(doc, {"id": program_id}) for s, doc in sockets]
        snapshots = await asyncio.gather(*(_take(s, op, 28) for (s, _), op in zip(sockets, ops, strict=True)))
        assert all(len({e["cursor"] for e in snap}) == 1 for snap in snapshots)
        assert len(live.groups) == 2 and api.app.state.hub.views_loaded == 1
        assert live.executions == 2 * 28  # each group rendered each session's entry once
        memo_sizes = [len(g._executor._relevant_sub_fields) for g in live.groups.values()]

        await run_worker_until_idle(api_settings)  # 56 changes
        changes = await asyncio.gather(*(_take(s, op, 56) for (s, _), op in zip(sockets, ops, strict=True)))
        first = [(c["sessionId"], c["status"], c["cursor"]) for c in changes[0]]
        assert all([(c["sessionId"], c["status"], c["cursor"]) for c in got] == first for got in changes)
        assert [int(c) for _, _, c in first] == list(range(1, 57))
        assert live.executions == 2 * (28 + 56)  # not 25 x 56: once per event per group
        # Executing events leaves nothing behind in the group's executor (graphql-core's memo).
        assert [len(g._executor._relevant_sub_fields) for g in live.groups.values()] == memo_sizes

        # A late watcher resuming within the recent events is served from what was rendered.
        async with graphql_socket(api.ws_url) as late:
            await late.init(token)
            op = await late.subscribe(WATCH, {"id": program_id, "after": "40"})
            replayed = await _take(late, op, 16)
        assert [int(e["cursor"]) for e in replayed] == list(range(41, 57))
        assert live.executions == 2 * (28 + 56)

    # Nobody watches any more: the freed memory is given back (web.idle_memory), once.
    async def released() -> bool:
        return live.idle_memory.releases == 1

    await eventually(released, timeout=30, what="the idle memory release")


async def test_both_protocols_share_a_group(
    api: Api, token: str, library: None, api_settings: Settings
) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=2)
    live = api.app.state.live
    async with (
        graphql_socket(api.ws_url) as modern,
        connect(api.ws_url, subprotocols=[Subprotocol("graphql-ws")]) as legacy,
    ):
        await modern.init(token)
        op = await modern.subscribe(WATCH, {"id": program_id})
        await legacy.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert json.loads(await legacy.recv())["type"] == "connection_ack"
        await legacy.send(
            json.dumps(
                {"id": "7", "type": "start", "payload": {"query": WATCH, "variables": {"id": program_id}}}
            )
        )
        modern_events = await _take(modern, op, 2)
        legacy_events = [json.loads(await legacy.recv()) for _ in range(2)]
        assert [m["type"] for m in legacy_events] == ["data", "data"] and len(live.groups) == 1
        assert [m["payload"]["data"]["sessionStatusChanged"] for m in legacy_events] == modern_events


async def test_a_watcher_that_does_not_read_is_closed_and_no_one_waits_for_it(
    api_settings: Settings, token: str, library: None, units: UnitOfWorkFactory, session_factory: Factory
) -> None:
    settings = api_settings.model_copy(update={"ws_max_unsent_bytes": 500_000})
    async with running_api(settings, send_buffer=8192) as api:
        program_id = await create_program(api, token, weeks=1, daysPerWeek=2)
        async with session_factory() as db:
            sessions = await program_session_ids(db, int(program_id))
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: a tiny window
        raw.connect(("127.0.0.1", int(api.base_url.rsplit(":", 1)[1])))
        async with (
            connect(api.ws_url, sock=raw, subprotocols=[Subprotocol("graphql-transport-ws")]) as slow,
            graphql_socket(api.ws_url) as fast,
        ):
            slow_socket = GraphQLSocket(slow)
            await slow_socket.init(token)
            await slow_socket.subscribe(WATCH_ERRORS, {"id": program_id})
            await fast.init(token)
            op = await fast.subscribe(WATCH_ERRORS, {"id": program_id})
            await _take(fast, op, 2)  # the snapshot

            received: list[dict[str, Any]] = []

            async def read_all() -> None:
                async for payload in fast.messages(op):
                    received.append(payload["data"]["sessionStatusChanged"])

            reading = asyncio.create_task(read_all())
            for n in range(1, 2001):  # about 4 MB of events, while the slow one reads nothing
                reason = secrets.token_hex(1000)  # incompressible, whatever the socket's compression
                async with units() as uow:
                    status = GenerationStatus.FAILED if n % 2 else GenerationStatus.PENDING
                    uow.record(StatusChange(int(program_id), sessions[n % 2], status, reason, 1))
                if n % 100 == 0:  # the fast one keeps up, as a client reading its socket does

                    async def caught_up(upto: int = n) -> bool:
                        return len(received) >= upto

                    await eventually(caught_up, timeout=30, what=f"the fast watcher at {n}")
            reading.cancel()
            assert [int(e["cursor"]) for e in received[:2000]] == list(range(1, 2001))

            async def closed_with() -> int | None:
                try:
                    while True:
                        await asyncio.wait_for(slow.recv(), 10)
                except ConnectionClosed as closed:
                    return closed.rcvd.code if closed.rcvd else None

            assert await closed_with() == 4413
        await eventually(lambda: _empty(api), timeout=10, what="the groups released")


async def test_a_watcher_that_reads_late_gets_everything_in_order(
    api_settings: Settings, token: str, library: None, units: UnitOfWorkFactory, session_factory: Factory
) -> None:
    """Its socket pauses, a task waits for it to drain, then writes go back to the flusher."""
    settings = api_settings.model_copy(update={"ws_max_unsent_bytes": 4_000_000})
    async with running_api(settings, send_buffer=8192) as api:
        program_id = await create_program(api, token, weeks=1, daysPerWeek=2)
        async with session_factory() as db:
            sessions = await program_session_ids(db, int(program_id))
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.connect(("127.0.0.1", int(api.base_url.rsplit(":", 1)[1])))
        async with connect(
            api.ws_url, sock=raw, subprotocols=[Subprotocol("graphql-transport-ws")], max_queue=1
        ) as late:
            watcher = GraphQLSocket(late)
            await watcher.init(token)
            op = await watcher.subscribe(WATCH_ERRORS, {"id": program_id})
            live = api.app.state.live
            # Its starting state first (both sessions): what is written from here on comes after it.
            # Written before the server had taken that state, an event is folded into it instead.
            first = await _take(watcher, op, 2)
            for n in range(1, 1001):  # about 2 MB, written while the watcher reads nothing
                async with units() as uow:
                    status = GenerationStatus.FAILED if n % 2 else GenerationStatus.PENDING
                    uow.record(
                        StatusChange(int(program_id), sessions[n % 2], status, secrets.token_hex(1000), 1)
                    )
            assert live.groups  # still watching: not closed, not dropped
            changes = first + await _take(watcher, op, 1000)
        assert [int(e["cursor"]) for e in changes[2:]] == list(range(1, 1001))
        await eventually(lambda: _empty(api), timeout=10, what="the groups released")


async def _empty(api: Api) -> bool:
    return not api.app.state.live.groups
