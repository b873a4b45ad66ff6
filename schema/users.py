"""The caller."""

import strawberry

from resolvers.context import GraphQLInfo
from schema.enums import Role


@strawberry.type(description="A user of liftplan.")
class User:
    id: strawberry.ID
    email: str
    display_name: str
    role: Role


@strawberry.type
class UserQueries:
    @strawberry.field(description="The user whose token made this request.")
    def viewer(self, info: GraphQLInfo) -> User:
        return info.context.require_user()  # type: ignore[return-value]
