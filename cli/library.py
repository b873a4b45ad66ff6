"""``seed`` and ``import-movements``: the movement library."""

import argparse
import sys
from pathlib import Path

from cli.runtime import Factory, run_with_database
from core.servers import provide_servers
from core.settings import Settings
from services.library.free_exercise_db import ImportFormatError
from services.library.movement_import import import_movements, read_import_file
from services.library.movement_library import seed_movement_library


def seed(settings: Settings, args: argparse.Namespace) -> int:
    async def work(factory: Factory) -> str:
        async with factory() as db, db.begin():
            result = await seed_movement_library(db)
        return (
            f"movement library: {result.inserted} inserted, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )

    with provide_servers(settings, command="seed", may_attach=True) as urls:
        print(run_with_database(urls.database_url, work))
    return 0


def import_file(settings: Settings, args: argparse.Namespace) -> int:
    try:  # a missing or malformed file fails here, before any write
        plan = read_import_file(Path(args.file))
    except (OSError, ImportFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    async def work(factory: Factory) -> str:
        async with factory() as db, db.begin():
            report = await import_movements(db, plan)
        lines = [report.summary()]
        if args.verbose:
            lines += [f"  skipped {s.name}: {s.reason}" for s in report.skipped]
        return "\n".join(lines)

    with provide_servers(settings, command="import-movements", may_attach=True) as urls:
        print(run_with_database(urls.database_url, work))
    return 0


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    sub.add_parser("seed", help="load the curated movement library (idempotent)")
    p = sub.add_parser("import-movements", help="import a free-exercise-db style JSON exercise list")
    p.add_argument("file", help="a JSON list of exercises in free-exercise-db's format")
    p.add_argument("-v", "--verbose", action="store_true", help="list every skipped entry and why")


COMMANDS = {"seed": seed, "import-movements": import_file}
