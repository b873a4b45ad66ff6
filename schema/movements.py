"""The movement library."""

import strawberry

from models import Movement as MovementRow
from resolvers import movements as resolve
from resolvers.context import GraphQLInfo
from schema.enums import Equipment, Level, Pattern


@strawberry.type(description="One entry of the movement library.")
class Movement:
    id: strawberry.ID
    name: str
    slug: str
    aliases: list[str]
    pattern: Pattern
    primary_muscles: list[str]
    level: Level
    is_compound: bool
    is_unilateral: bool

    @strawberry.field(description="Everything needed to perform it (bodyweight alone: [BODYWEIGHT]).")
    def equipment(self: MovementRow) -> list[Equipment]:  # type: ignore[misc]
        return [Equipment(e) for e in self.equipment]


@strawberry.type
class MovementQueries:
    @strawberry.field(description="Search the library; ``equipment`` keeps movements usable with it.")
    async def movements(
        self,
        info: GraphQLInfo,
        pattern: Pattern | None = None,
        equipment: list[Equipment] | None = None,
        search: str | None = None,
        first: int = 50,
    ) -> list[Movement]:
        return await resolve.movements(info, pattern, equipment, search, first)  # type: ignore[return-value]
