"""``show-program``: a program's weeks as tables, for people (and for the issue notes)."""

import argparse

from rich.console import Console
from rich.table import Table

from cli.runtime import Factory, run_with_database
from core.servers import provide_servers
from core.settings import Settings
from models import Movement, PrescriptionKind, Program, SessionExercise
from services.errors import InvalidInput, ProgramNotFound
from services.generation.week_summary import SummaryRow, summarise
from services.programs import reads as program_reads


def _intensity(exercise: object) -> str:
    rpe = getattr(exercise, "target_rpe", None)
    pct = getattr(exercise, "target_percent_1rm", None)
    return f"{pct}% 1RM" if pct is not None else (f"RPE {rpe}" if rpe is not None else "")


async def render(factory: Factory, program_id: int, weeks: set[int] | None, console: Console) -> None:
    async with factory() as db:
        [program] = await program_reads.programs_by_ids(db, [program_id])
        if program is None:
            raise ProgramNotFound(program_id)
        [microcycles] = await program_reads.microcycles_by_program(db, [program_id])
        _check_weeks(weeks, program)
        shown = [m for m in microcycles if weeks is None or m.index in weeks]
        sessions_per_week = await program_reads.sessions_by_microcycle(db, [m.id for m in shown])
        all_sessions = [s for week in sessions_per_week for s in week]
        exercises = await program_reads.exercises_by_session(db, [s.id for s in all_sessions])
        movement_ids = sorted({e.movement_id for per in exercises for e in per})
        movements: dict[int, Movement] = {
            m.id: m for m in await program_reads.movements_by_ids(db, movement_ids) if m is not None
        }
    by_session = dict(zip([s.id for s in all_sessions], exercises, strict=True))
    console.print(_title(program))
    for microcycle, sessions in zip(shown, sessions_per_week, strict=True):
        table = Table(title=f"Week {microcycle.index} ({microcycle.phase.value})")
        for column in ("day", "focus", "status", "#", "movement", "sets x work", "intensity", "rest"):
            table.add_column(column)
        for n, session in enumerate(sessions):
            if n:
                table.add_section()
            rows: list[SessionExercise | None] = [*by_session[session.id]] or [None]
            for i, exercise in enumerate(rows):
                head = (
                    [f"{session.day_index} {session.scheduled_date:%a}", session.focus.value,
                     session.generation_status.value]
                    if i == 0 else ["", "", ""]
                )  # fmt: skip
                if exercise is None:
                    table.add_row(*head, "", session.generation_error or "(no exercises)", "", "", "")
                    continue
                table.add_row(
                    *head,
                    str(exercise.position),
                    movements[exercise.movement_id].name,
                    _work(exercise),
                    _intensity(exercise),
                    f"{exercise.rest_seconds}s",
                )
        console.print(table)
        week_rows = [e for session in sessions for e in by_session[session.id]]
        console.print(f"Week {microcycle.index}: {_summary(week_rows, movements)}")


def _work(exercise: SessionExercise) -> str:
    """ "4 x 8-10" for reps, "3 x 30 s" for a hold, "3 x 20 m" for a carry or crawl."""
    if exercise.prescription_kind is PrescriptionKind.SECONDS:
        return f"{exercise.sets} x {exercise.duration_seconds} s"
    if exercise.prescription_kind is PrescriptionKind.DISTANCE:
        return f"{exercise.sets} x {exercise.distance_meters} m"
    top = f"-{exercise.reps_max}" if exercise.reps_max != exercise.reps_min else ""
    return f"{exercise.sets} x {exercise.reps_min}{top}"


def _summary(exercises: list[SessionExercise], movements: dict[int, Movement]) -> str:
    rows = [
        SummaryRow(
            movements[e.movement_id].pattern,
            movements[e.movement_id].primary_muscles,
            e.sets,
            e.target_rpe,
            e.target_percent_1rm,
        )
        for e in exercises
    ]
    return summarise(rows).describe()


def _check_weeks(weeks: set[int] | None, program: Program) -> None:
    """``InvalidInput`` naming the program's weeks when a requested one is not among them."""
    unknown = sorted(w for w in weeks or () if not 1 <= w <= program.weeks)
    if unknown:
        raise InvalidInput(
            f"program {program.id} has no week {', '.join(map(str, unknown))}: "
            f"its weeks are 1 to {program.weeks}",
            field="week",
        )


def _title(program: Program) -> str:
    return (
        f"[bold]Program {program.id}: {program.name}[/bold] - {program.goal.value}, {program.level.value}, "
        f"{program.days_per_week} days x {program.weeks} weeks, {program.minutes_per_session} min, "
        f"equipment: {', '.join(program.equipment) or 'bodyweight only'}"
    )


def show(settings: Settings, args: argparse.Namespace) -> int:
    weeks = set(args.week) if args.week else None
    with provide_servers(settings, command="show-program", may_attach=True) as urls:
        run_with_database(
            urls.database_url, lambda f: render(f, args.program_id, weeks, Console(width=args.width))
        )
    return 0


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("show-program", help="print a program's sessions and exercises as tables")
    p.add_argument("program_id", type=int, help="the program's id")
    p.add_argument("--week", type=int, action="append", help="only this week (repeatable)")
    p.add_argument("--width", type=int, default=None, help="table width (default: the terminal's)")


COMMANDS = {"show-program": show}
