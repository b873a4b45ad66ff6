"""The movement library as an in-process index for resolving drafted names, kept per version.

A drafted name matches a movement when its slug (``slugify`` of what was typed) is the
movement's slug, or when it equals one of the movement's aliases ignoring case; a slug match
wins, and of two movements sharing an alias the older one (lower id) does. The library changes
rarely and every write to it bumps ``movement_library_version`` (migration 0004), so a worker
loads the index once and reloads it only when the version it reads has moved.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.movement_catalogue import slugify

# The version and the rows in one statement: the index holds exactly the library of its version.
_LOAD = text(
    """
    SELECT v.version, m.id, m.slug, m.aliases
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
    for _version, movement_id, slug, aliases in rows:
        if movement_id is None:  # an empty library
            continue
        by_slug[slug] = movement_id
        for alias in aliases:
            by_alias.setdefault(alias.lower(), movement_id)
    return MovementIndex(int(rows[0][0]), by_slug, by_alias)


class MovementIndexCache:
    """One process's index, reused for as long as the library's version stays the same."""

    def __init__(self) -> None:
        self._index: MovementIndex | None = None
        self.loads = 0

    async def at_version(self, db: AsyncSession, version: int) -> MovementIndex:
        """The index of library ``version`` (read by the caller in this transaction); loaded again
        when it has moved."""
        if self._index is None or self._index.version != version:
            self._index = await load_movement_index(db)
            self.loads += 1
        return self._index
