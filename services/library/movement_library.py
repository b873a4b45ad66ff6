"""The movement library in PostgreSQL: seed it from the catalogue, resolve drafted names against it.

A name, slug or alias identifies one movement. A looked-up name matches a movement when its slug
(``slugify`` of what was typed) is the movement's slug, or when it equals one of the movement's
aliases ignoring case: "barbell back squat", "Barbell-Back-Squat" and "back squat" find one row.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, exists, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.enums import Equipment, Pattern
from models.movements import Movement
from services.library.movement_catalogue import MovementSpec, load_catalogue, slugify
from services.text_input import storable_text

BATCH_SIZE = 500
"""Rows per INSERT statement (9 parameters a row, well under PostgreSQL's 32,767 limit)."""
LIKE_ESCAPE = "\\"

_UPDATED_COLUMNS = (
    "name",
    "aliases",
    "pattern",
    "primary_muscles",
    "equipment",
    "level",
    "is_compound",
    "is_unilateral",
)


class DuplicateMovementError(ValueError):
    """Two specs handed to one upsert share a slug (one statement cannot write a row twice)."""


@dataclass(frozen=True, slots=True)
class SeedResult:
    """What an upsert did, row by row: new, changed, or already as given."""

    inserted: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


def movement_row(spec: MovementSpec) -> dict[str, Any]:
    """The ``movements`` columns for a spec; equipment in enum order so re-seeding compares equal."""
    return {
        "name": spec.name,
        "slug": spec.slug,
        "aliases": list(spec.aliases),
        "pattern": spec.pattern,
        "primary_muscles": list(spec.primary_muscles),
        "equipment": [e.value for e in Equipment if e in spec.equipment],
        "level": spec.level,
        "is_compound": spec.is_compound,
        "is_unilateral": spec.is_unilateral,
    }


def lookup_keys(slug: str, aliases: Iterable[str]) -> set[str]:
    """Every slug-level key a movement answers to; keys of two movements must never meet."""
    return {slug, *(slugify(alias) for alias in aliases)}


async def upsert_movements(
    session: AsyncSession, specs: Sequence[MovementSpec], *, batch_size: int = BATCH_SIZE
) -> SeedResult:
    """Insert or update movements by slug, one ``INSERT ... ON CONFLICT`` statement per batch.

    Rows that already hold exactly these values are left untouched (no write, no new tuple), so
    running it twice reports everything ``unchanged`` the second time.
    """
    seen: set[str] = set()
    for spec in specs:
        if spec.slug in seen:
            raise DuplicateMovementError(f"slug {spec.slug!r} appears twice in one upsert")
        seen.add(spec.slug)

    table = Movement.__table__
    inserted = updated = 0
    for start in range(0, len(specs), batch_size):
        batch = specs[start : start + batch_size]
        stmt = pg_insert(Movement).values([movement_row(spec) for spec in batch])
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.slug],
            set_={column: stmt.excluded[column] for column in _UPDATED_COLUMNS},
            where=or_(*(table.c[c].is_distinct_from(stmt.excluded[c]) for c in _UPDATED_COLUMNS)),
        )
        # xmax is 0 on a freshly inserted tuple and set on one rewritten by DO UPDATE; rows the
        # WHERE above kept unchanged are not returned at all.
        returning = stmt.returning(literal_column("xmax = 0", Boolean))
        flags = (await session.execute(returning)).scalars().all()
        inserted += sum(1 for flag in flags if flag)
        updated += sum(1 for flag in flags if not flag)
    await session.flush()
    return SeedResult(inserted=inserted, updated=updated, unchanged=len(specs) - inserted - updated)


async def seed_movement_library(
    session: AsyncSession, specs: Sequence[MovementSpec] | None = None
) -> SeedResult:
    """Copy the curated catalogue (or ``specs``) into ``movements``; idempotent, never deletes."""
    return await upsert_movements(session, load_catalogue() if specs is None else specs)


def contains_pattern(text: str) -> str:
    """A LIKE pattern (with ``ESCAPE LIKE_ESCAPE``) matching values that contain ``text`` literally:
    its ``%`` and ``_`` are characters to find, not wildcards."""
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return f"%{text}%"


async def search_movements(
    session: AsyncSession,
    *,
    pattern: Pattern | None = None,
    equipment: Iterable[Equipment] | None = None,
    search: str | None = None,
    limit: int = 50,
) -> list[Movement]:
    """Library entries by pattern, usable with the given equipment (bodyweight always counts),
    and whose name or an alias contains ``search`` (case-insensitive, literally); ordered by name.
    Raises ``InvalidInput`` on ``search`` when PostgreSQL text cannot hold it."""
    query = select(Movement).order_by(Movement.name).limit(limit)
    if pattern is not None:
        query = query.where(Movement.pattern == pattern)
    if equipment is not None:
        available = sorted({e.value for e in equipment} | {Equipment.BODYWEIGHT.value})
        query = query.where(Movement.equipment.contained_by(available))
    if search:
        needle = contains_pattern(storable_text(search, "search").strip().lower())
        alias = func.unnest(Movement.aliases).column_valued("alias")
        query = query.where(
            or_(
                func.lower(Movement.name).like(needle, escape=LIKE_ESCAPE),
                exists(select(alias).where(func.lower(alias).like(needle, escape=LIKE_ESCAPE))),
            )
        )
    return list((await session.scalars(query)).all())
