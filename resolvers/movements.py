"""The movement library as the API shows it."""

from collections.abc import Sequence

from models import Equipment, Movement, Pattern
from resolvers.context import GraphQLInfo
from services.errors import InvalidInput
from services.library.movement_library import search_movements

MAX_MOVEMENTS = 500
MAX_SEARCH_LENGTH = 100


async def movements(
    info: GraphQLInfo,
    pattern: Pattern | None,
    equipment: Sequence[Equipment] | None,
    search: str | None,
    first: int,
) -> list[Movement]:
    ctx = info.context
    ctx.require_user()
    if not 1 <= first <= MAX_MOVEMENTS:
        raise InvalidInput(f"first must be 1 to {MAX_MOVEMENTS}", field="first")
    if search is not None and len(search) > MAX_SEARCH_LENGTH:
        raise InvalidInput(f"search must be at most {MAX_SEARCH_LENGTH} characters", field="search")
    async with ctx.session_factory() as db:
        return await search_movements(db, pattern=pattern, equipment=equipment, search=search, limit=first)
