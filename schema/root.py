"""The root schema: each domain's queries, mutations and subscriptions, composed."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
)
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as create_aliases_rule
from strawberry.types import ExecutionContext

from core.settings import Settings
from schema.depth_limit import depth_limit_rule
from schema.document_cache import DocumentCache
from schema.errors import ErrorCodes, log_unexpected
from schema.movements import MovementQueries
from schema.mutation_errors import MutationErrors
from schema.programs import (
    CreateProgramError,
    ProgramMutations,
    ProgramQueries,
    ProgramSubscriptions,
    RepairProgramError,
)
from schema.query_cost import QueryCost
from schema.sessions import RegenerateSessionsError, SessionMutations, SessionQueries, SessionSubscriptions
from schema.suggestions import HideSuggestions
from schema.users import UserQueries

SDL_PATH = Path(__file__).resolve().parent.parent / "schema.graphql"


# Each root type is its domains' classes merged (what ``strawberry.tools.merge_types`` does),
# spelled out as classes so that each carries its description.
@strawberry.type(description="Reads: send the token as ``Authorization: Bearer <token>``.")
class Query(UserQueries, ProgramQueries, SessionQueries, MovementQueries):
    pass


@strawberry.type(description="Changes; each answers a union of its success type and its error type.")
class Mutation(ProgramMutations, SessionMutations):
    pass


@strawberry.type(
    description=(
        "Live updates over WebSocket (graphql-transport-ws or graphql-ws on /graphql); the token goes in "
        'the connection_init payload as ``{"Authorization": "Bearer <token>"}``.'
    )
)
class Subscription(SessionSubscriptions, ProgramSubscriptions):
    pass


MUTATION_ERRORS = (CreateProgramError, RegenerateSessionsError, RepairProgramError)


class LiftplanSchema(strawberry.Schema):
    document_cache: DocumentCache
    hide_suggestions = False

    def _get_custom_context_kwargs(
        self, operation_extensions: dict[str, Any] | None = None, *, sync: bool = False
    ) -> dict[str, Any]:
        """What Strawberry hands graphql-core's ``execute``, plus ``hide_suggestions`` (see
        ``schema.suggestions``)."""
        kwargs = super()._get_custom_context_kwargs(operation_extensions, sync=sync)
        return {**kwargs, "hide_suggestions": True} if self.hide_suggestions else kwargs

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log only what went wrong on our side; NOT_FOUND or a bad query is the caller's business
        (Strawberry would log every error at ERROR)."""
        log_unexpected(errors)


def build_schema(settings: Settings) -> LiftplanSchema:
    """The schema with the request limits of ``settings`` (depth counts introspection too)."""
    # Factories, not instances: Strawberry builds fresh extensions for every operation.
    # The rule classes are built once: a class per operation was 5 KB held by every live
    # subscription for as long as it runs. (``create_validator`` is what MaxAliasesLimiter uses.)
    limits: list[type[ASTValidationRule]] = [
        depth_limit_rule(settings.max_query_depth),
        create_aliases_rule(settings.max_aliases),
    ]
    # Before any other extension with an on_execute hook: it refuses by raising there.
    cost = QueryCost(settings.max_query_cost)
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        ErrorCodes,
        cost.extension,
        lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
        lambda: AddValidationRules(limits),
    ]
    if not settings.allows_introspection:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    # Last: it reuses what the limits above decided, which is the same for every operation here.
    documents = DocumentCache()
    extensions.append(documents.extension)
    if not settings.allows_introspection:
        extensions.append(HideSuggestions)  # after the cache: a cached document is valid already
    schema = LiftplanSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=MUTATION_ERRORS,
        extensions=extensions,
        # A domain error raised by a mutation becomes its error type, if that lists the code.
        exception_handlers=[MutationErrors(error_type) for error_type in MUTATION_ERRORS],
    )
    schema.document_cache = documents
    schema.hide_suggestions = not settings.allows_introspection
    cost.bind(schema._schema)
    return schema


def export_sdl() -> str:
    return build_schema(Settings()).as_str() + "\n"
