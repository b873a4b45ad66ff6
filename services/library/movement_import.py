"""Import an exercise list in the free-exercise-db JSON layout into the movement library.

Reading (``read_import_file``, ``plan_import``) is pure: each entry is mapped to a movement by
``services.library.free_exercise_db`` (the layout and its mapping are described there).
``import_movements`` writes the plan with the library's upsert.

Existing movements (policy): an entry whose slug, or an alias of whose slug, belongs to the
curated catalogue is skipped (the catalogue wins and is never overwritten); an entry whose name
collides with an alias of another library movement is skipped (a name or alias must identify one
movement); an entry whose slug is already a non-curated library row (an earlier import) updates
that row; a later entry with the slug of an earlier one in the same file is skipped.
"""

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.movements import Movement
from services.library.free_exercise_db import ImportFormatError, entry_name, map_exercise
from services.library.movement_catalogue import MovementSpec, load_catalogue
from services.library.movement_library import lookup_keys, upsert_movements


@dataclass(frozen=True, slots=True)
class SkippedEntry:
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """The mapped entries of one file, before any database is involved."""

    source: str
    total: int
    specs: tuple[MovementSpec, ...]
    skipped: tuple[SkippedEntry, ...]
    unknown_values: Mapping[str, Mapping[str, int]]
    """field -> value -> number of entries holding that value we have no mapping for."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did; ``skipped`` gives every entry not written and why."""

    source: str
    total: int
    imported: int
    updated: int
    unchanged: int
    skipped: tuple[SkippedEntry, ...]
    unknown_values: Mapping[str, Mapping[str, int]]

    def summary(self) -> str:
        unknown = "; ".join(
            f"{field}: " + ", ".join(f"{value} x{count}" for value, count in values.items())
            for field, values in self.unknown_values.items()
        )
        return (
            f"{self.source}: {self.total} entries, {self.imported} imported, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped; unknown values: {unknown or 'none'}"
        )


def read_import_file(path: Path) -> ImportPlan:
    """Read and map a free-exercise-db JSON file (synchronous: call it before the async import)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportFormatError(f"{path}: not a JSON file: {exc}") from exc
    return plan_import(data, str(path))


def plan_import(data: Any, source: str = "<data>") -> ImportPlan:
    """Map parsed JSON to specs, skipped entries and unknown values; raise on a malformed file."""
    if not isinstance(data, list):
        raise ImportFormatError(f"{source}: expected a JSON array of exercises, got {type(data).__name__}")
    specs: list[MovementSpec] = []
    skipped: list[SkippedEntry] = []
    unknown: dict[str, Counter[str]] = {}
    first_by_slug: dict[str, str] = {}
    for index, raw in enumerate(data):
        name = entry_name(raw, f"{source}[{index}]")
        spec, unknowns = map_exercise(raw, f"{source}[{index}] ({name!r})")
        for field, value in unknowns:
            unknown.setdefault(field, Counter())[value] += 1
        if spec is None:
            reason = "; ".join(f"unknown {field} {value!r}" for field, value in unknowns)
            skipped.append(SkippedEntry(name, reason))
        elif spec.slug in first_by_slug:
            skipped.append(
                SkippedEntry(name, f"same slug as {first_by_slug[spec.slug]!r} earlier in the file")
            )
        else:
            first_by_slug[spec.slug] = name
            specs.append(spec)
    return ImportPlan(
        source=source,
        total=len(data),
        specs=tuple(specs),
        skipped=tuple(skipped),
        unknown_values={field: dict(counts.most_common()) for field, counts in sorted(unknown.items())},
    )


def split_for_library(
    specs: Sequence[MovementSpec],
    existing: Iterable[tuple[str, Sequence[str]]],
    curated: Sequence[MovementSpec],
) -> tuple[list[MovementSpec], list[SkippedEntry]]:
    """Which specs to upsert and which to skip, given the library's (slug, aliases) and the catalogue.

    Implements the policy in the module docstring; pure, so the rules are testable without a DB.
    """
    owner: dict[str, tuple[str, bool]] = {}  # lookup key -> (owning slug, curated?)
    for existing_slug, aliases in existing:
        for key in lookup_keys(existing_slug, aliases):
            owner[key] = (existing_slug, False)
    for spec in curated:
        for key in lookup_keys(spec.slug, spec.aliases):
            owner[key] = (spec.slug, True)

    writes: list[MovementSpec] = []
    skipped: list[SkippedEntry] = []
    for spec in specs:
        slug, is_curated = owner.get(spec.slug, (None, False))
        if slug is None or (slug == spec.slug and not is_curated):
            writes.append(spec)
        elif is_curated:
            skipped.append(SkippedEntry(spec.name, f"already in the curated catalogue as {slug!r}"))
        else:
            skipped.append(SkippedEntry(spec.name, f"an alias of library movement {slug!r}"))
    return writes, skipped


async def import_movements(
    session: AsyncSession, plan: ImportPlan, *, catalogue: Sequence[MovementSpec] | None = None
) -> ImportReport:
    """Write a plan into ``movements`` under the policy in the module docstring; flushes only.

    ``catalogue`` is the curated set that is never overwritten (the shipped catalogue by default).
    """
    curated = load_catalogue() if catalogue is None else catalogue
    rows = (await session.execute(select(Movement.slug, Movement.aliases))).all()
    existing = [(slug, aliases) for slug, aliases in rows]
    writes, conflicts = split_for_library(plan.specs, existing, curated)
    result = await upsert_movements(session, writes)
    return ImportReport(
        source=plan.source,
        total=plan.total,
        imported=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
        skipped=(*plan.skipped, *conflicts),
        unknown_values=plan.unknown_values,
    )
