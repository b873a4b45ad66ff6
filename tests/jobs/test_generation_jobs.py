"""generate_session on a real arq worker: idempotent enqueue, retries, timeouts, status events."""

import asyncio

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.job_queue import ArqJobQueue
from core.settings import Settings
from models import GenerationStatus, Movement, Program, Session, SessionExercise, User
from services.live.status_hub import StatusHub
from services.live.status_log import StatusEvent
from services.live.status_watch import watch_program
from services.programs.reads import program_session_ids
from services.programs.regeneration import regenerate_sessions
from services.unit_of_work import UnitOfWorkFactory
from tests.chaos import install_exercise_trigger
from tests.factories import make_program
from tests.waiting import eventually
from tests.workers import enqueue_pending_program_sessions, run_worker_until_idle

Factory = async_sessionmaker[AsyncSession]


async def _program(factory: Factory, **overrides: object) -> int:
    async with factory() as db, db.begin():
        return (await make_program(db, **overrides)).id


async def _statuses(factory: Factory, program_id: int) -> dict[int, tuple[GenerationStatus, int, str | None]]:
    async with factory() as db:
        rows = await db.execute(
            select(
                Session.id, Session.generation_status, Session.generation_attempts, Session.generation_error
            ).where(Session.program_id == program_id)
        )
        return {sid: (status, attempts, error) for sid, status, attempts, error in rows.all()}


async def _collect(
    hub: StatusHub, factory: Factory, program_id: int, after: int | None, count: int
) -> list[StatusEvent]:
    events: list[StatusEvent] = []
    async with watch_program(hub, factory, program_id, after) as watch:
        async for event in watch:
            events.append(event)
            if len(events) == count:
                break
    return events


async def test_program_of_84_sessions_completes_with_every_event_in_order(
    session_factory: Factory, library: None, queue: ArqJobQueue, hub: StatusHub, job_settings: Settings
) -> None:
    program_id = await _program(session_factory, weeks=12, days_per_week=7)
    listening = asyncio.create_task(_collect(hub, session_factory, program_id, None, 168))

    async def joined() -> bool:  # the watcher has joined before anything is enqueued
        return hub.watched_programs > 0

    await eventually(joined, timeout=30, interval=0.01, what="the watcher joined")

    queued = await enqueue_pending_program_sessions(queue, session_factory, program_id)
    assert len(queued) == 84
    await run_worker_until_idle(job_settings)
    events = await asyncio.wait_for(listening, 30)

    statuses = await _statuses(session_factory, program_id)
    assert {s for s, _, _ in statuses.values()} == {GenerationStatus.COMPLETE}
    per_session: dict[int, list[GenerationStatus]] = {}
    for event in events:
        per_session.setdefault(event.session_id, []).append(event.status)
    assert per_session == {sid: [GenerationStatus.IN_PROGRESS, GenerationStatus.COMPLETE] for sid in statuses}
    assert [e.seq for e in events] == list(range(1, 169))  # gap-free, in commit order, once each

    # Resume: a watcher reconnecting with the cursor of its 40th event gets exactly the rest.
    resumed = await asyncio.wait_for(_collect(hub, session_factory, program_id, events[39].seq, 128), 10)
    assert [e.cursor for e in resumed] == [e.cursor for e in events[40:]]


async def test_double_enqueue_runs_once_and_regeneration_runs_again(
    session_factory: Factory, library: None, queue: ArqJobQueue, job_settings: Settings
) -> None:
    program_id = await _program(session_factory, weeks=1, days_per_week=2)
    async with session_factory() as db:
        session_id = (await program_session_ids(db, program_id))[0]
        owner = await db.scalar(
            select(User).join(Program, Program.owner_id == User.id).where(Program.id == program_id)
        )
    assert owner is not None

    assert await queue.enqueue_generation([session_id]) == [session_id]
    assert await queue.enqueue_generation([session_id]) == []  # a double click
    await run_worker_until_idle(job_settings)
    assert (await _statuses(session_factory, program_id))[session_id][:2] == (GenerationStatus.COMPLETE, 1)

    # A stray job for a finished session changes nothing; a regeneration (reset first) runs again.
    assert await queue.enqueue_generation([session_id]) == [session_id]  # no kept result
    await run_worker_until_idle(job_settings)
    assert (await _statuses(session_factory, program_id))[session_id][:2] == (GenerationStatus.COMPLETE, 1)
    async with UnitOfWorkFactory(session_factory, queue=queue)() as uow:
        await regenerate_sessions(uow, owner, program_id, [session_id], include_complete=True)
    assert (await _statuses(session_factory, program_id))[session_id][:2] == (GenerationStatus.PENDING, 0)
    await run_worker_until_idle(job_settings)  # a new run: its attempts count from 1 again
    assert (await _statuses(session_factory, program_id))[session_id][:2] == (GenerationStatus.COMPLETE, 1)


async def test_terminated_database_connection_is_retried_and_completes(
    session_factory: Factory, library: None, queue: ArqJobQueue, job_settings: Settings
) -> None:
    program_id = await _program(session_factory, weeks=1, days_per_week=1)
    # The first write kills its own server connection mid-transaction (as a database restart would).
    await install_exercise_trigger(
        session_factory,
        "IF nextval('chaos_seq') = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;",
    )
    await enqueue_pending_program_sessions(queue, session_factory, program_id)
    await run_worker_until_idle(job_settings)

    [(status, attempts, error)] = (await _statuses(session_factory, program_id)).values()
    assert (status, attempts, error) == (GenerationStatus.COMPLETE, 2, None)


async def test_transient_errors_fail_the_session_once_the_retry_window_passed(
    session_factory: Factory, library: None, queue: ArqJobQueue, job_settings: Settings
) -> None:
    program_id = await _program(session_factory, weeks=1, days_per_week=1)
    await install_exercise_trigger(session_factory, "PERFORM pg_terminate_backend(pg_backend_pid());")
    settings = job_settings.model_copy(update={"generation_retry_window_s": 1.0})
    started = asyncio.get_running_loop().time()
    await enqueue_pending_program_sessions(queue, session_factory, program_id)
    await run_worker_until_idle(settings)

    assert asyncio.get_running_loop().time() - started >= 1.0  # retried for the whole window
    [(status, attempts, error)] = (await _statuses(session_factory, program_id)).values()
    assert status is GenerationStatus.FAILED and attempts >= 3
    assert error is not None and error.startswith("gave up after") and f"({attempts} tries)" in error
    assert "[SQL" not in error and "INSERT" not in error  # a reason, not a statement


async def test_a_stuck_generation_is_bounded_by_the_timeout(
    session_factory: Factory, library: None, queue: ArqJobQueue, job_settings: Settings
) -> None:
    program_id = await _program(session_factory, weeks=1, days_per_week=1)
    await install_exercise_trigger(session_factory, "PERFORM pg_sleep(30);")
    settings = job_settings.model_copy(update={"generation_timeout_s": 0.5, "generation_retry_window_s": 1.0})
    started = asyncio.get_running_loop().time()
    await enqueue_pending_program_sessions(queue, session_factory, program_id)
    await run_worker_until_idle(settings)

    assert asyncio.get_running_loop().time() - started < 15
    [(status, attempts, error)] = (await _statuses(session_factory, program_id)).values()
    assert status is GenerationStatus.FAILED and attempts >= 2
    assert error is not None and "TimeoutError" in error


async def test_permanent_failure_fails_at_once_with_the_reason(
    session_factory: Factory, library: None, queue: ArqJobQueue, job_settings: Settings
) -> None:
    program_id = await _program(session_factory, weeks=1, days_per_week=1)
    async with session_factory() as db, db.begin():
        await db.execute(text("DELETE FROM movements"))
    await enqueue_pending_program_sessions(queue, session_factory, program_id)
    await run_worker_until_idle(job_settings)

    [(status, attempts, error)] = (await _statuses(session_factory, program_id)).values()
    assert status is GenerationStatus.FAILED and attempts == 1
    # Drafting reads the (now empty) library itself (issue 15): nothing fits the session.
    assert error is not None and "only 0 movement(s) fit a full_body session" in error


async def test_exercises_are_never_duplicated_by_reruns(
    session_factory: Factory, library: None, queue: ArqJobQueue, job_settings: Settings
) -> None:
    program_id = await _program(session_factory, weeks=1, days_per_week=3)
    for _ in range(3):
        async with session_factory() as db, db.begin():
            await db.execute(
                text("UPDATE sessions SET generation_status = 'PENDING' WHERE program_id = :p"),
                {"p": program_id},
            )
        await enqueue_pending_program_sessions(queue, session_factory, program_id)
        await run_worker_until_idle(job_settings)
    async with session_factory() as db:
        per_session = (
            await db.execute(
                select(
                    SessionExercise.session_id,
                    func.count(),
                    func.count(func.distinct(SessionExercise.movement_id)),
                )
                .join(Movement)
                .group_by(SessionExercise.session_id)
            )
        ).all()
    assert len(per_session) == 3
    assert all(total == distinct and total >= 3 for _, total, distinct in per_session)
    assert {a for _, a, _ in (await _statuses(session_factory, program_id)).values()} == {3}
