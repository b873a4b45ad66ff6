"""One measured run of ``bench.generation_throughput``: a 12-week x 7-day program created in a unit
of work (commit, then its jobs enqueued), its COMPLETE sessions seen as a watcher sees them
(through the ``StatusHub``, or by polling PostgreSQL every 20 ms), then cross-checked in
PostgreSQL; the time to the first and to the 84th COMPLETE, and the CPU used meanwhile."""

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.common import EXPECTED_SESSIONS, POLL_S, BenchError, Clients, RunResult
from bench.cpu_accounting import CpuSample, CpuUse
from models import GenerationStatus, Session, SessionExercise
from services.live.status_hub import StatusHub
from services.live.status_watch import watch_program
from services.programs.creation import ProgramSpec, create_program


@dataclass
class Progress:
    t0: float
    count: int = 0  # sessions seen COMPLETE so far
    first_s: float | None = None
    last_s: float | None = None

    def saw_complete(self, count: int) -> None:
        now = time.perf_counter() - self.t0
        self.count = count
        if count and self.first_s is None:
            self.first_s = now
        if count >= EXPECTED_SESSIONS and self.last_s is None:
            self.last_s = now


async def watch_stream(
    hub: StatusHub, factory: async_sessionmaker[AsyncSession], program_id: int, progress: Progress
) -> None:
    """Count COMPLETE events of the program until all sessions are complete, as a watcher does.

    Watching from sequence 0 replays the program's log from its start, so nothing is missed
    however late the watcher joins; then the events come live through the hub."""
    complete: set[int] = set()
    async with watch_program(hub, factory, program_id, 0) as watch:
        async for event in watch:
            if event.status is GenerationStatus.COMPLETE:
                complete.add(event.session_id)
                progress.saw_complete(len(complete))
                if len(complete) >= EXPECTED_SESSIONS:
                    return
            elif event.status is GenerationStatus.FAILED:
                raise BenchError(f"session {event.session_id} FAILED: {event.error}")


async def status_counts(factory: async_sessionmaker[AsyncSession], program_id: int) -> dict[str, int]:
    async with factory() as db:
        rows = await db.execute(
            select(Session.generation_status, func.count())
            .where(Session.program_id == program_id)
            .group_by(Session.generation_status)
        )
        return {status.value: count for status, count in rows.all()}


async def watch_database(
    factory: async_sessionmaker[AsyncSession], program_id: int, progress: Progress
) -> None:
    """Poll PostgreSQL every 20 ms for the program's COMPLETE sessions."""
    while True:
        counts = await status_counts(factory, program_id)
        if counts.get(GenerationStatus.FAILED.value):
            raise BenchError(f"{counts[GenerationStatus.FAILED.value]} sessions FAILED")
        complete = counts.get(GenerationStatus.COMPLETE.value, 0)
        progress.saw_complete(complete)
        if complete >= EXPECTED_SESSIONS:
            return
        await asyncio.sleep(POLL_S)


async def cross_check(clients: Clients, program_id: int) -> int:
    """PostgreSQL must agree: 84 COMPLETE sessions with exercises. Return the generation attempts."""
    counts = await status_counts(clients.factory, program_id)
    async with clients.factory() as db:
        attempts = await db.scalar(
            select(func.coalesce(func.sum(Session.generation_attempts), 0)).where(
                Session.program_id == program_id
            )
        )
        empty = await db.scalar(
            select(func.count())
            .select_from(Session)
            .where(
                Session.program_id == program_id,
                ~select(SessionExercise.id).where(SessionExercise.session_id == Session.id).exists(),
            )
        )
    if counts.get(GenerationStatus.COMPLETE.value) != EXPECTED_SESSIONS or empty:
        raise BenchError(
            f"program {program_id}: the stream said {EXPECTED_SESSIONS} COMPLETE but PostgreSQL has "
            f"{counts} ({empty} sessions without exercises)"
        )
    return int(attempts or 0)


async def run_once(
    clients: Clients, spec: ProgramSpec, detect: str, timeout_s: float, worker_pids: Sequence[int]
) -> RunResult:
    cpu_before = await CpuSample.take(clients.factory, clients.redis_pid, worker_pids)
    progress = Progress(t0=time.perf_counter())
    async with clients.units() as uow:
        program = await create_program(uow, spec)  # its 84 jobs are queued after the commit
    created_s = time.perf_counter() - progress.t0
    program_id = program.id
    if detect == "stream":
        watcher = asyncio.create_task(watch_stream(clients.hub, clients.factory, program_id, progress))
    else:
        watcher = asyncio.create_task(watch_database(clients.factory, program_id, progress))
    try:
        try:
            async with asyncio.timeout(timeout_s):
                await watcher
        except TimeoutError:
            counts = await status_counts(clients.factory, program_id)
            raise BenchError(
                f"program {program_id}: only {progress.count} of "
                f"{EXPECTED_SESSIONS} sessions reported COMPLETE after {timeout_s:g} s "
                f"(PostgreSQL: {counts}); are the workers running? see their logs"
            ) from None
    finally:
        if not watcher.done():
            watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    cpu = CpuUse.between(cpu_before, await CpuSample.take(clients.factory, clients.redis_pid, worker_pids))
    attempts = await cross_check(clients, program_id)
    assert progress.first_s is not None and progress.last_s is not None
    return RunResult(created_s, progress.first_s, progress.last_s, attempts, cpu)
