"""Importing free-exercise-db files into a real PostgreSQL library."""

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.enums import Pattern
from models.movements import Movement
from services.library.movement_catalogue import load_catalogue
from services.library.movement_import import import_movements, read_import_file
from services.library.movement_index import load_movement_index
from services.library.movement_library import lookup_keys, seed_movement_library

SMALL_FILE = Path(__file__).parent / "data" / "small_exercises.json"
REAL_FILE = Path("/work/shared/data/free-exercise-db/exercises.json")


async def assert_names_unambiguous(session: AsyncSession) -> None:
    owners: dict[str, set[str]] = {}
    for slug, aliases in (await session.execute(select(Movement.slug, Movement.aliases))).all():
        for key in lookup_keys(slug, aliases):
            owners.setdefault(key, set()).add(slug)
    assert {key: slugs for key, slugs in owners.items() if len(slugs) > 1} == {}


async def test_import_small_file_then_reimport_changes_nothing(db_session: AsyncSession) -> None:
    await seed_movement_library(db_session)
    plan = read_import_file(SMALL_FILE)

    report = await import_movements(db_session, plan)
    again = await import_movements(db_session, plan)

    assert (report.imported, report.updated, report.unchanged, len(report.skipped)) == (9, 0, 0, 9)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 9)
    skipped = {s.name: s.reason for s in report.skipped}
    assert skipped["Romanian Deadlift"] == "already in the curated catalogue as 'barbell-romanian-deadlift'"
    assert skipped["Atlas Stones"] == "unknown equipment 'other'"
    assert report.unknown_values["equipment"]["null"] == 1
    assert "9 imported" in report.summary() and "foam roll x1" in report.summary()

    total = await db_session.scalar(select(func.count()).select_from(Movement))
    assert total == len(load_catalogue()) + 9
    pullups = await db_session.scalar(select(Movement).where(Movement.slug == "pullups"))
    assert pullups is not None
    assert (pullups.pattern, pullups.equipment, pullups.aliases) == (
        Pattern.VERTICAL_PULL,
        ["pull_up_bar"],
        [],
    )
    slugs = dict((await db_session.execute(select(Movement.id, Movement.slug))).all())
    index = await load_movement_index(db_session)
    rdl, pull_ups, atlas_stones = index.resolve(["RDL", "pullups", "Atlas Stones"])
    assert rdl is not None and slugs[rdl] == "barbell-romanian-deadlift"
    assert pull_ups is not None and slugs[pull_ups] == "pullups"
    assert atlas_stones is None
    await assert_names_unambiguous(db_session)


async def test_import_before_seed_still_leaves_curated_names_to_the_catalogue(
    db_session: AsyncSession,
) -> None:
    report = await import_movements(db_session, read_import_file(SMALL_FILE))
    seeded = await seed_movement_library(db_session)

    assert report.imported == 9
    assert seeded.inserted == len(load_catalogue())
    await assert_names_unambiguous(db_session)


async def test_import_real_file_reports_unknown_values(db_session: AsyncSession) -> None:
    await seed_movement_library(db_session)
    plan = read_import_file(REAL_FILE)

    report = await import_movements(db_session, plan)

    assert report.total == 873
    assert report.imported + report.updated + report.unchanged + len(report.skipped) == 873
    assert report.unknown_values["category"] == {"stretching": 123, "plyometrics": 61, "cardio": 14}
    assert report.unknown_values["equipment"]["foam roll"] == 11
    assert report.unknown_values["equipment"]["other"] == 122
    curated = [s for s in report.skipped if s.reason.startswith("already in the curated catalogue")]
    assert len(curated) > 50  # e.g. "Romanian Deadlift", "Goblet Squat", "Plank"
    assert report.imported == len(plan.specs) - len(curated) > 400
    await assert_names_unambiguous(db_session)
    again = await import_movements(db_session, plan)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, report.imported)
