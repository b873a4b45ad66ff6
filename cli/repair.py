"""``repair-program``: show a program's state, re-enqueue what is not generated, follow it live."""

import argparse
import asyncio
import contextlib

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from cli.console_logging import logs_through
from cli.runtime import Clients, run_with_clients
from core.servers import ServerUrls, provide_servers
from core.settings import Settings
from core.stopping import cancel_and_wait
from jobs.in_process_worker import worker_alongside
from models import GenerationStatus, Microcycle, Session
from services.live.generation_progress import GenerationProgress, ProgressTracker, generation_progress
from services.live.status_hub import ListenerDropped
from services.live.status_log import StatusEvent
from services.live.status_watch import Watch, watch_program
from services.programs import repair as repairs
from services.programs.repair import RepairPlan, plan_repair

EXIT_FAILED = 1
EXIT_TIMEOUT = 4
IDLE_NOTICE_S = 5.0  # quiet this long with nothing in progress: say that it waits for a worker


def _state_table(plan: RepairPlan) -> Table:
    table = Table(title=f"Program {plan.program_id}: {plan.total} sessions")
    table.add_column("status")
    table.add_column("sessions", justify="right")
    for status, count in plan.counts.items():
        table.add_row(status.value, str(count))
    table.add_row("with no exercises", str(len(plan.without_exercises)))
    return table


async def _failed_table(clients: Clients, program_id: int) -> Table:
    async with clients.factory() as db:
        rows = (
            await db.execute(
                select(Session.id, Microcycle.index, Session.day_index, Session.generation_error)
                .join(Microcycle, Microcycle.id == Session.microcycle_id)
                .where(Session.program_id == program_id, Session.generation_status == GenerationStatus.FAILED)
                .order_by(Microcycle.index, Session.day_index)
            )
        ).all()
    table = Table(title=f"{len(rows)} sessions FAILED")
    for column in ("session", "week", "day", "reason"):
        table.add_column(column, overflow="fold")
    for session_id, week, day, error in rows:
        table.add_row(str(session_id), str(week), str(day), error or "")
    return table


async def _pump(watch: Watch, inbox: "asyncio.Queue[StatusEvent | BaseException]") -> None:
    """Move the watch's events into a queue, so the follower can wait on it with a deadline
    (``wait_for(anext(...))`` would close the generator on its first timeout)."""
    try:
        async for event in watch:
            inbox.put_nowait(event)
    except Exception as exc:
        inbox.put_nowait(exc)


def _detail(progress: GenerationProgress) -> str:
    return (
        f"in progress {progress.count(GenerationStatus.IN_PROGRESS)}, "
        f"pending {progress.count(GenerationStatus.PENDING)}, "
        f"failed {progress.count(GenerationStatus.FAILED)}"
    )


async def _follow(clients: Clients, program_id: int, limit_s: float, console: Console) -> bool:
    """Show progress until nothing is PENDING or IN_PROGRESS; False if ``limit_s`` passed first.

    Quiet moments are fine: after ``IDLE_NOTICE_S`` without a change and with nothing in
    progress, it says once that it is waiting for a worker, and goes on waiting.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    columns = (
        TextColumn("[bold]generating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar, logs_through(bar.console):
        task = bar.add_task("repair", total=None, detail="")
        while True:  # a new watch after a drop: it starts from a fresh snapshot
            async with watch_program(clients.hub, clients.factory, program_id, None) as watch:
                assert watch.snapshot is not None
                tracker = ProgressTracker(watch.snapshot)
                inbox: asyncio.Queue[StatusEvent | BaseException] = asyncio.Queue()
                pump = asyncio.create_task(_pump(watch, inbox))
                noticed = False
                try:
                    while True:
                        progress = tracker.progress
                        bar.update(
                            task,
                            total=progress.total,
                            completed=progress.count(GenerationStatus.COMPLETE),
                            detail=_detail(progress),
                        )
                        if progress.finished:
                            return True
                        remaining = deadline - loop.time()
                        if remaining <= 0:
                            return False
                        try:
                            async with asyncio.timeout(min(remaining, IDLE_NOTICE_S)):
                                item = await inbox.get()
                        except TimeoutError:
                            if not noticed and progress.count(GenerationStatus.IN_PROGRESS) == 0:
                                bar.console.print(
                                    "Waiting for a worker to take the jobs (start one with "
                                    "`.venv/bin/liftplan worker`, or use --with-worker)."
                                )
                                noticed = True
                            continue
                        if isinstance(item, ListenerDropped):
                            break
                        if isinstance(item, BaseException):
                            raise item
                        tracker.apply(item)
                finally:
                    await cancel_and_wait(pump)


async def repair(clients: Clients, settings: Settings, urls: ServerUrls, args: argparse.Namespace) -> int:
    console = Console(width=args.width)
    async with clients.factory() as db:
        plan = await plan_repair(db, args.program_id, include_failed=args.include_failed)
    console.print(_state_table(plan))
    if plan.healthy:
        console.print(
            f"Program {plan.program_id} is healthy: every session is COMPLETE with exercises. Nothing to do."
        )
        return 0
    if not plan.to_enqueue:
        console.print(f"Nothing to enqueue; {len(plan.failed_left_alone)} FAILED sessions left alone.")
        console.print(await _failed_table(clients, plan.program_id))
        return EXIT_FAILED
    if args.dry_run:
        console.print(f"Dry run: would enqueue {len(plan.to_enqueue)} sessions: {plan.to_enqueue}")
        return 0

    worker = worker_alongside(settings, urls.database_url, urls.redis_url)
    async with worker if args.with_worker else contextlib.nullcontext():
        async with clients.units() as uow:
            plan, sessions = await repairs.repair_program(
                uow, plan.program_id, include_failed=args.include_failed
            )
        console.print(f"Enqueued {len(sessions)} sessions.")
        finished = await _follow(clients, plan.program_id, args.timeout, console)
    if not finished:
        console.print(
            f"Timed out after {args.timeout:.0f} s with sessions still pending: is a worker running? "
            "(.venv/bin/liftplan worker, or repair-program --with-worker)"
        )
        return EXIT_TIMEOUT
    async with clients.factory() as db:
        final = await generation_progress(db, plan.program_id)
    if final.count(GenerationStatus.FAILED):
        console.print(await _failed_table(clients, plan.program_id))
        return EXIT_FAILED
    console.print(f"Program {plan.program_id} repaired: all {final.total} sessions COMPLETE.")
    return 0


def repair_program(settings: Settings, args: argparse.Namespace) -> int:
    with provide_servers(settings, command="repair-program", may_attach=True) as urls:
        return run_with_clients(urls, settings, lambda clients: repair(clients, settings, urls, args))


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("repair-program", help="re-enqueue every session of a program that is not generated")
    p.add_argument("program_id", type=int, help="the program's id")
    p.add_argument("--dry-run", action="store_true", help="change nothing; say what would be enqueued")
    p.add_argument(
        "--include-failed",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also retry FAILED sessions",
    )
    p.add_argument("--with-worker", action="store_true", help="run a generation worker inside this command")
    p.add_argument("--timeout", type=float, default=600.0, help="give up following after this many seconds")
    p.add_argument("--width", type=int, default=None, help="output width (default: the terminal's)")


COMMANDS = {"repair-program": repair_program}
