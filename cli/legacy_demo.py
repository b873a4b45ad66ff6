"""``demo-legacy``: the broken program that started the project, as the old app left it.

Program 265 has 12 weeks of 7 sessions (84); the old task generated only part of the active
run and stopped: the first 13 sessions in calendar order have exercises (session 16827 among
them), the other 71 have none, and every microcycle says ``generation_status = 'pending'``.
Programs 266 and 267 of two other users sit beside it. Everything is inserted with plain SQL
into a database at revision 0001, then migrated to head.
"""

import argparse
import asyncio
import datetime as dt
import enum
import shlex
import sys

import asyncpg

from cli.runtime import Factory, run_with_database
from core.database import async_database_url
from core.migrations import upgrade
from core.servers import ServerUrls, provide_servers
from core.settings import Settings
from models import Equipment
from services.generation.training_splits import phase_for, split_for
from services.library.movement_catalogue import load_catalogue
from services.library.movement_library import movement_row

PROGRAM_ID = 265
FIRST_SESSION_ID = 16820
POPULATED = 13
START = dt.date(2026, 1, 5)
# The old app's sessions: one compound lift per pattern, 4 exercises each.
LEGACY_EXERCISES = (
    ("Barbell Back Squat", 4, 6, 8, 150),
    ("Barbell Bench Press", 4, 6, 8, 150),
    ("Barbell Bent-Over Row", 3, 8, 10, 120),
    ("Barbell Romanian Deadlift", 3, 8, 10, 120),
)


def _q(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "ARRAY[" + ", ".join(_q(v) for v in value) + "]::text[]" if value else "'{}'::text[]"
    text = value.value if isinstance(value, enum.Enum) else str(value)
    return "'" + text.replace("'", "''") + "'"


def _insert(table: str, **values: object) -> str:
    return f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(_q(v) for v in values.values())});"


def legacy_story_sql() -> str:
    """The plain SQL that builds the story in a database at revision 0001."""
    users = [
        (41, "owner@legacy.example", "athlete"),
        (42, "coach@legacy.example", "coach"),
        (43, "other@legacy.example", "athlete"),
    ]
    lines = [_insert("users", id=i, email=email, display_name=email, role=role) for i, email, role in users]
    catalogue = load_catalogue()
    movement_ids = {spec.name: i for i, spec in enumerate(catalogue, start=1)}
    lines += [_insert("movements", id=movement_ids[spec.name], **movement_row(spec)) for spec in catalogue]
    full_gym = sorted(e.value for e in Equipment)
    programs = [  # id, owner, weeks, days, sessions with exercises, name, goal, equipment
        (PROGRAM_ID, 41, 12, 7, POPULATED, "Hypertrophy 12 weeks", "hypertrophy", full_gym),
        (266, 42, 2, 3, 6, "Strength base", "strength", ["barbell", "bench"]),
        (267, 43, 1, 2, 0, "Home program", "general_fitness", ["dumbbell"]),
    ]
    session_id, microcycle_id = FIRST_SESSION_ID, 3001
    for pid, owner, weeks, days, populated, name, goal, equipment in programs:
        lines.append(
            _insert(
                "programs",
                id=pid,
                owner_id=owner,
                name=name,
                goal=goal,
                level="intermediate",
                days_per_week=days,
                weeks=weeks,
                minutes_per_session=60,
                equipment=equipment,
                start_date=START.isoformat(),
            )
        )
        generated = 0
        for week in range(1, weeks + 1):
            lines.append(
                _insert(
                    "microcycles",
                    id=microcycle_id,
                    program_id=pid,
                    index=week,
                    phase=phase_for(week, weeks),
                    is_active=week == 1,
                    generation_status="pending",
                )
            )
            for day, focus in enumerate(split_for(days), start=1):
                date = START + dt.timedelta(days=7 * (week - 1) + day - 1)
                lines.append(
                    _insert(
                        "sessions",
                        id=session_id,
                        program_id=pid,
                        microcycle_id=microcycle_id,
                        day_index=day,
                        scheduled_date=date.isoformat(),
                        focus=focus,
                    )
                )
                if generated < populated:
                    for position, (movement, sets, low, high, rest) in enumerate(LEGACY_EXERCISES, start=1):
                        lines.append(
                            _insert(
                                "session_exercises",
                                session_id=session_id,
                                position=position,
                                movement_id=movement_ids[movement],
                                sets=sets,
                                reps_min=low,
                                reps_max=high,
                                rest_seconds=rest,
                                notes="legacy",
                            )
                        )
                    generated += 1
                session_id += 1
            microcycle_id += 1
    for table in ("users", "movements", "programs", "microcycles", "sessions"):
        lines.append(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}));"
        )
    return "\n".join(lines)


async def load_legacy_story(database_url: str) -> None:
    """Insert the story into an empty database at revision 0001, in one transaction."""
    url = async_database_url(database_url).replace("postgresql+asyncpg://", "postgresql://", 1)
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await connection.execute(legacy_story_sql())
    finally:
        await connection.close()


async def _has_tables(factory: Factory) -> bool:
    from sqlalchemy import text

    async with factory() as db:
        return bool(await db.scalar(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")))


def same_servers(settings: Settings, urls: ServerUrls) -> str:
    """How to point the next command at the servers this one used (its data folder, or its URLs)."""
    if not urls.embedded:
        return "with the same DATABASE_URL and REDIS_URL: "
    if settings.liftplan_data_dir == Settings.model_fields["liftplan_data_dir"].default:
        return ""
    return f"LIFTPLAN_DATA_DIR={shlex.quote(str(settings.liftplan_data_dir))} "


def demo_legacy(settings: Settings, args: argparse.Namespace) -> int:
    with provide_servers(settings, command="demo-legacy", may_attach=True) as urls:
        if run_with_database(urls.database_url, _has_tables):
            print(
                "error: this database is not empty; run demo-legacy on a fresh one, e.g. "
                "LIFTPLAN_DATA_DIR=.liftplan-legacy .venv/bin/liftplan demo-legacy",
                file=sys.stderr,
            )
            return 2
        upgrade(urls.database_url, "0001")
        asyncio.run(load_legacy_story(urls.database_url))
        print(f"legacy database at 0001: program {PROGRAM_ID}, 84 sessions, {POPULATED} with exercises")
        upgrade(urls.database_url, "head")
        command = f".venv/bin/liftplan repair-program {PROGRAM_ID} --with-worker"
        print(f"migrated to head; now: {same_servers(settings, urls)}{command}")
    return 0


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    sub.add_parser("demo-legacy", help="build the legacy broken program 265 in a fresh database")


COMMANDS = {"demo-legacy": demo_legacy}
