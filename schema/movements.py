"""The movement library."""

from typing import Annotated

import strawberry

from models import Movement as MovementRow
from resolvers import movements as resolve
from resolvers.context import GraphQLInfo
from schema.enums import Equipment, Level, Pattern


@strawberry.type(description="One entry of the movement library.")
class Movement:
    id: strawberry.ID = strawberry.field(description="The movement's id.")
    name: str = strawberry.field(description='Its name, unique in the library (e.g. "Barbell Back Squat").')
    slug: str = strawberry.field(description="The name in lower case, dashes between words; unique.")
    aliases: list[str] = strawberry.field(description="Other names it goes by; search matches them too.")
    pattern: Pattern = strawberry.field(description="Its movement pattern.")
    primary_muscles: list[str] = strawberry.field(
        description='The muscles it mainly trains, in lower case (e.g. "quadriceps", "glutes").'
    )
    level: Level = strawberry.field(description="The lowest program level that may use it.")
    is_compound: bool = strawberry.field(description="True when it works several joints at once.")
    is_unilateral: bool = strawberry.field(description="True when it works one arm or leg at a time.")

    @strawberry.field(description="Everything needed to perform it (bodyweight alone: [BODYWEIGHT]).")
    def equipment(self: MovementRow) -> list[Equipment]:
        return [Equipment(e) for e in self.equipment]


@strawberry.type
class MovementQueries:
    @strawberry.field(description="Library entries matching every filter given, ordered by name.")
    async def movements(
        self,
        info: GraphQLInfo,
        pattern: Annotated[
            Pattern | None, strawberry.argument(description="Only movements of this pattern.")
        ] = None,
        equipment: Annotated[
            list[Equipment] | None,
            strawberry.argument(
                description="Only movements doable with this equipment (bodyweight is always available)."
            ),
        ] = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description=(
                    "Only movements whose name or an alias contains this text, ignoring case; "
                    f"at most {resolve.MAX_SEARCH_LENGTH} characters."
                )
            ),
        ] = None,
        first: Annotated[
            int, strawberry.argument(description=f"How many to return at most, 1 to {resolve.MAX_MOVEMENTS}.")
        ] = 50,
    ) -> list[Movement]:
        # The domain object (a model row, a service's dataclass), served as the Strawberry type.
        return await resolve.movements(info, pattern, equipment, search, first)  # type: ignore[return-value]
