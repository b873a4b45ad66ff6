"""The caller."""

import strawberry

from resolvers.context import GraphQLInfo
from schema.enums import Role


@strawberry.type(description="A user of liftplan.")
class User:
    id: strawberry.ID = strawberry.field(description="The user's id.")
    email: str = strawberry.field(description="Their email address, in lower case; unique.")
    display_name: str = strawberry.field(description="The name to show for the user.")
    role: Role = strawberry.field(description="What the user may see and do.")


@strawberry.type
class UserQueries:
    @strawberry.field(description="The user whose token made this request.")
    def viewer(self, info: GraphQLInfo) -> User:
        return info.context.require_user()  # type: ignore[return-value]  # the row, served as the type
