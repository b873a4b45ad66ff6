"""The curated movement catalogue shipped as ``data/movements.yaml``.

The catalogue is what the session generator drafts from (by pattern, equipment and level); the
``movements`` table is what drafted names are resolved against. Seeding copies the catalogue into
the table, so the two agree unless somebody removed movements from the library.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from models.enums import Equipment, Level, Pattern

CATALOGUE_PATH = Path(__file__).resolve().parents[2] / "data" / "movements.yaml"


class CatalogueError(ValueError):
    """The catalogue file holds an entry that is not a valid movement."""


@dataclass(frozen=True, slots=True)
class MovementSpec:
    name: str
    slug: str
    pattern: Pattern
    equipment: frozenset[Equipment]
    level: Level
    is_compound: bool
    is_unilateral: bool
    primary_muscles: tuple[str, ...]
    aliases: tuple[str, ...]

    def fits(self, available: frozenset[Equipment], level: Level) -> bool:
        """True when a program with this equipment and level can use the movement."""
        return self.level.rank <= level.rank and self.equipment <= (available | {Equipment.BODYWEIGHT})


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def parse_entry(raw: dict[str, Any], where: str) -> MovementSpec:
    """Build one spec, naming the entry and the field in the error when a value is unknown."""
    try:
        name = str(raw["name"]).strip()
        return MovementSpec(
            name=name,
            slug=slugify(name),
            pattern=Pattern(raw["pattern"]),
            equipment=frozenset(Equipment(e) for e in raw.get("equipment") or ["bodyweight"]),
            level=Level(raw["level"]),
            is_compound=bool(raw["compound"]),
            is_unilateral=bool(raw.get("unilateral", False)),
            primary_muscles=tuple(raw.get("primary_muscles") or ()),
            aliases=tuple(raw.get("aliases") or ()),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise CatalogueError(f"{where}: invalid movement entry {raw!r}: {exc!r}") from exc


def parse_catalogue(entries: list[dict[str, Any]], source: str) -> tuple[MovementSpec, ...]:
    specs = tuple(parse_entry(raw, f"{source}[{i}]") for i, raw in enumerate(entries))
    seen: dict[str, str] = {}
    for spec in specs:
        for key in (spec.name.lower(), spec.slug, *(a.lower() for a in spec.aliases)):
            if key in seen and seen[key] != spec.slug:
                raise CatalogueError(f"{source}: {key!r} names both {seen[key]} and {spec.slug}")
            seen[key] = spec.slug
    return specs


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CATALOGUE_PATH) -> tuple[MovementSpec, ...]:
    """Read and validate the catalogue once per process (a small file, read at start-up)."""
    with path.open(encoding="utf-8") as fh:
        entries = yaml.safe_load(fh)
    if not isinstance(entries, list):
        raise CatalogueError(f"{path}: expected a list of movements")
    return parse_catalogue(entries, str(path))
