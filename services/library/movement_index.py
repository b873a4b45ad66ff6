"""The movement library as an in-process index, kept per version: what drafting draws from and
what drafted names are resolved against.

The index holds every movement as a ``MovementSpec`` (``catalogue``), so generation drafts from
the library in PostgreSQL (imported and admin-added movements included; the curated YAML is only
its seed), and the ids by slug and alias for resolving the drafted names.

A drafted name matches a movement when its slug (``slugify`` of what was typed) is the
movement's slug, or when it equals one of the movement's aliases ignoring case; a slug match
wins, and of two movements sharing an alias the older one (lower id) does. The library changes
rarely and every write to it bumps ``movement_library_version`` (migration 0004), so a worker
loads the index once and reloads it only when the version it reads has moved.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from models.enums import Equipment, Level, Pattern
from services.library.movement_catalogue import MovementSpec, slugify

log = logging.getLogger(__name__)

# The version and the rows in one statement: the index holds exactly the library of its version.
_LOAD = text(
    """
    SELECT v.version, m.id, m.slug, m.aliases, m.name, m.pattern, m.equipment, m.level, m.is_compound,
           m.is_unilateral, m.primary_muscles
    FROM movement_library_version AS v LEFT JOIN movements AS m ON true
    WHERE v.id = 1
    ORDER BY m.id
    """
)


@dataclass(frozen=True, slots=True)
class MovementIndex:
    version: int
    by_slug: dict[str, int]
    by_alias: dict[str, int]  # lower-cased alias -> the lowest movement id with it
    catalogue: tuple[MovementSpec, ...] = ()  # every movement drafting can use, in id order

    def resolve(self, names: Sequence[str]) -> list[int | None]:
        """The movement id of each name, in order; None where the library has no such movement."""
        found: list[int | None] = []
        for name in names:
            movement_id = self.by_slug.get(slugify(name))
            found.append(movement_id if movement_id is not None else self.by_alias.get(name.strip().lower()))
        return found


async def load_movement_index(db: AsyncSession) -> MovementIndex:
    rows = (await db.execute(_LOAD)).all()
    if not rows:
        raise RuntimeError("movement_library_version has no row: the database is not migrated")
    by_slug: dict[str, int] = {}
    by_alias: dict[str, int] = {}
    specs: list[MovementSpec] = []
    for _version, movement_id, slug, aliases, *fields in rows:
        if movement_id is None:  # an empty library
            continue
        by_slug[slug] = movement_id
        for alias in aliases:
            by_alias.setdefault(alias.lower(), movement_id)
        spec = _spec(slug, aliases, *fields)
        if spec is not None:
            specs.append(spec)
    return MovementIndex(int(rows[0][0]), by_slug, by_alias, tuple(specs))


def _spec(
    slug: str,
    aliases: Sequence[str],
    name: str,
    pattern: str,
    equipment: Sequence[str],
    level: str,
    is_compound: bool,
    is_unilateral: bool,
    primary_muscles: Sequence[str],
) -> MovementSpec | None:
    """The row as a spec; None (not drafted, still resolvable) when a value is not one we know."""
    try:
        return MovementSpec(
            name=name,
            slug=slug,
            pattern=Pattern(pattern),
            equipment=frozenset(Equipment(e) for e in equipment) or frozenset({Equipment.BODYWEIGHT}),
            level=Level(level),
            is_compound=is_compound,
            is_unilateral=is_unilateral,
            primary_muscles=tuple(primary_muscles),
            aliases=tuple(aliases),
        )
    except ValueError:
        log.warning("movement %r has a value drafting does not know; it is not drafted", slug)
        return None


class MovementIndexCache:
    """One process's index, reused for as long as the library's version stays the same."""

    def __init__(self) -> None:
        self._index: MovementIndex | None = None
        self.loads = 0

    async def at_version(self, db: AsyncSession, version: int) -> MovementIndex:
        """The index of library ``version`` (read by the caller in this transaction) for resolving
        drafted names; loaded again when it has moved."""
        return await self.library_at(db, version)

    async def library_at(self, db: AsyncSession, version: int) -> MovementIndex:
        """The same index, for drafting from (see ``at_version``)."""
        if self._index is None or self._index.version != version:
            self._index = await load_movement_index(db)
            self.loads += 1
        return self._index
