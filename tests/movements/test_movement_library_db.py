"""Seeding the library and resolving drafted names, against a real PostgreSQL."""

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models.enums import Equipment, Level, Pattern
from models.movements import Movement
from services.library.movement_catalogue import load_catalogue
from services.library.movement_index import MovementIndexCache, load_movement_index
from services.library.movement_library import (
    DuplicateMovementError,
    SeedResult,
    seed_movement_library,
    upsert_movements,
)


@pytest.fixture
def statements(db_session: AsyncSession) -> Iterator[list[str]]:
    """The SQL statements the session sends while the test runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    engine = db_session.sync_session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


async def count_movements(session: AsyncSession) -> int:
    return (await session.scalar(select(func.count()).select_from(Movement))) or 0


async def test_seed_inserts_the_catalogue_once_and_is_idempotent(db_session: AsyncSession) -> None:
    catalogue = load_catalogue()

    first = await seed_movement_library(db_session)
    second = await seed_movement_library(db_session)

    assert first == SeedResult(inserted=len(catalogue), updated=0, unchanged=0)
    assert second == SeedResult(inserted=0, updated=0, unchanged=len(catalogue))
    assert await count_movements(db_session) == len(catalogue)
    bench = await db_session.scalar(select(Movement).where(Movement.slug == "barbell-bench-press"))
    assert bench is not None
    assert (bench.name, bench.pattern, bench.level, bench.equipment) == (
        "Barbell Bench Press",
        Pattern.HORIZONTAL_PUSH,
        Level.BEGINNER,
        ["barbell", "bench"],
    )
    assert "Bench Press" in bench.aliases


async def test_upsert_updates_only_changed_rows_one_statement_per_batch(
    db_session: AsyncSession, statements: list[str]
) -> None:
    catalogue = list(load_catalogue())
    await upsert_movements(db_session, catalogue, batch_size=100)
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == -(-len(catalogue) // 100)

    changed = [
        replace(catalogue[0], aliases=(*catalogue[0].aliases, "Squatty McSquatface")),
        replace(catalogue[1], equipment=frozenset({Equipment.BARBELL, Equipment.BENCH})),
    ]
    result = await upsert_movements(db_session, [*changed, *catalogue[2:]], batch_size=100)

    assert result == SeedResult(inserted=0, updated=2, unchanged=len(catalogue) - 2)
    row = await db_session.scalar(select(Movement).where(Movement.slug == catalogue[1].slug))
    assert row is not None and row.equipment == ["barbell", "bench"]


async def test_upsert_refuses_one_slug_twice(db_session: AsyncSession) -> None:
    spec = load_catalogue()[0]
    with pytest.raises(DuplicateMovementError, match=spec.slug):
        await upsert_movements(db_session, [spec, replace(spec, level=Level.ADVANCED)])


async def _slugs_by_id(db: AsyncSession) -> dict[int, str]:
    return dict((await db.execute(select(Movement.id, Movement.slug))).all())


async def _resolve(db: AsyncSession, names: list[str]) -> tuple[dict[str, str], list[str]]:
    """Each name's movement slug (for those found) and the names not found, in order."""
    slugs = await _slugs_by_id(db)
    ids = (await load_movement_index(db)).resolve(names)
    found = {name: slugs[i] for name, i in zip(names, ids, strict=True) if i is not None}
    return found, [name for name, i in zip(names, ids, strict=True) if i is None]


async def test_resolve_by_name_slug_and_alias_from_one_query(
    db_session: AsyncSession, statements: list[str]
) -> None:
    await seed_movement_library(db_session)
    names = [
        "barbell back squat",
        "Not A Lift",
        "BARBELL-ROMANIAN-DEADLIFT",
        "rdl",
        " OHP ",
        "db bench",
        "Farmer's Walk",
        "Zercher Squat",
        "Also Missing",
    ]
    slugs = await _slugs_by_id(db_session)
    statements.clear()

    ids = (await load_movement_index(db_session)).resolve(names)

    assert len(statements) == 1  # the whole library with its version, then names resolve in memory
    found = {name: slugs[i] for name, i in zip(names, ids, strict=True) if i is not None}
    misses = [name for name, i in zip(names, ids, strict=True) if i is None]
    assert found == {
        "barbell back squat": "barbell-back-squat",
        "BARBELL-ROMANIAN-DEADLIFT": "barbell-romanian-deadlift",
        "rdl": "barbell-romanian-deadlift",
        " OHP ": "barbell-overhead-press",
        "db bench": "dumbbell-bench-press",
        "Farmer's Walk": "farmer-s-carry",
        "Zercher Squat": "zercher-squat",
    }
    assert misses == ["Not A Lift", "Also Missing"]


async def test_the_index_is_reloaded_only_when_the_library_version_moves(
    db_session: AsyncSession, statements: list[str]
) -> None:
    await seed_movement_library(db_session)
    cache = MovementIndexCache()

    async def version() -> int:
        return int(await db_session.scalar(text("SELECT version FROM movement_library_version")))

    first = await cache.at_version(db_session, await version())
    assert await cache.at_version(db_session, await version()) is first and cache.loads == 1
    assert first.resolve(["Lift Invented Today"]) == [None]

    new = replace(load_catalogue()[0], name="Lift Invented Today", slug="lift-invented-today", aliases=())
    await upsert_movements(db_session, [new])
    assert await cache.at_version(db_session, await version()) is not first and cache.loads == 2
    (found,) = (await cache.at_version(db_session, await version())).resolve(["lift invented today"])
    assert found == await db_session.scalar(select(Movement.id).where(Movement.slug == new.slug))


async def test_every_catalogue_name_and_alias_resolves_to_its_movement(db_session: AsyncSession) -> None:
    catalogue = load_catalogue()
    await seed_movement_library(db_session)
    names = [n for spec in catalogue for n in (spec.name, spec.slug, *spec.aliases)]
    owner = {n: spec.slug for spec in catalogue for n in (spec.name, spec.slug, *spec.aliases)}

    found, misses = await _resolve(db_session, names)

    assert misses == []
    assert found == owner
