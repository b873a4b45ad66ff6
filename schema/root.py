"""The root schema: each domain's queries, mutations and subscriptions, composed."""

from pathlib import Path

import strawberry
from strawberry.tools import merge_types

from schema.errors import ErrorCodes
from schema.movements import MovementQueries
from schema.programs import (
    CreateProgramError,
    ProgramMutations,
    ProgramQueries,
    ProgramSubscriptions,
    RepairProgramError,
)
from schema.sessions import RegenerateSessionsError, SessionMutations, SessionQueries, SessionSubscriptions
from schema.users import UserQueries

SDL_PATH = Path(__file__).resolve().parent.parent / "schema.graphql"

Query = merge_types("Query", (UserQueries, ProgramQueries, SessionQueries, MovementQueries))
Mutation = merge_types("Mutation", (ProgramMutations, SessionMutations))
Subscription = merge_types("Subscription", (SessionSubscriptions, ProgramSubscriptions))

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[CreateProgramError, RegenerateSessionsError, RepairProgramError],
    extensions=[ErrorCodes],
)


def export_sdl() -> str:
    return schema.as_str() + "\n"
