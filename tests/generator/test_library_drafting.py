"""Generation draws from the movement library in PostgreSQL, not only the curated file (issue 15)."""

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Goal, Level, Movement, SessionExercise
from services.library.movement_import import import_movements, read_import_file
from services.library.movement_index import MovementIndexCache
from services.unit_of_work import UnitOfWorkFactory
from tests.factories import make_program
from tests.generating import generate_all_program_sessions

# The curated catalogue has no bodyweight-only vertical pull (it needs a bar, bands, a cable or a
# machine), so for a bodyweight program this imported movement is the only one of its pattern.
IMPORTED = {
    "id": "Doorway_Towel_Pulldown",
    "name": "Doorway Towel Pulldown",
    "force": "pull",
    "level": "beginner",
    "mechanic": "compound",
    "equipment": "body only",
    "primaryMuscles": ["lats"],
    "secondaryMuscles": ["biceps"],
    "instructions": [],
    "category": "strength",
    "images": [],
}


async def test_an_imported_movement_appears_in_a_generated_program(
    session_factory: async_sessionmaker[AsyncSession], units: UnitOfWorkFactory, library: None, tmp_path: Path
) -> None:
    # Given a library seeded from the YAML, then a movement imported into it
    source = tmp_path / "exercises.json"
    source.write_text(json.dumps([IMPORTED]))
    async with session_factory() as db, db.begin():
        report = await import_movements(db, read_import_file(source))
        program = await make_program(
            db, goal=Goal.STRENGTH, level=Level.INTERMEDIATE, days_per_week=4, weeks=1, equipment=frozenset()
        )
    assert report is not None
    # When the program is generated (one process cache, as a worker keeps)
    cache = MovementIndexCache()
    outcomes = await generate_all_program_sessions(units, program.id, movements=cache)
    # Then the imported movement is drafted and written like any other
    assert {o.status.value for o in outcomes} == {"COMPLETE"}
    async with session_factory() as db:
        imported_id = await db.scalar(select(Movement.id).where(Movement.name == IMPORTED["name"]))
        used = set((await db.scalars(select(SessionExercise.movement_id))).all())
    assert imported_id is not None and imported_id in used
    assert cache.loads == 1  # one library load for the whole program
