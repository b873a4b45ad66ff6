"""Top-level errors: the one place exceptions become ``errors[]`` entries, each with a code.

Queries and subscriptions report a domain error's code in ``errors[].extensions.code``, and so do
mutations for the request's own failures (UNAUTHENTICATED, RATE_LIMITED, UNAVAILABLE); a mutation's
own outcomes are its error type instead (``schema.mutation_errors``). Anything unexpected is logged
at ERROR with its traceback and answered as ``INTERNAL_SERVER_ERROR`` with no detail (no stack, no
SQL).
"""

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from services.adapters.transient_errors import is_transient
from services.errors import DomainError, Unavailable

log = logging.getLogger("liftplan.graphql")


def _extensions(exc: DomainError) -> dict[str, object]:
    extensions: dict[str, object] = {"code": exc.code}
    if exc.field:
        extensions["field"] = exc.field
    retry_after = getattr(exc, "retry_after_s", None)
    if retry_after is not None:
        extensions["retryAfterSeconds"] = retry_after
    return extensions


def as_graphql_error(exc: DomainError) -> GraphQLError:
    """For subscriptions, whose errors do not pass through ``ErrorCodes``."""
    return GraphQLError(exc.message, extensions=_extensions(exc))


def subscription_error(exc: Exception) -> GraphQLError:
    """What a subscription raises for ``exc``, as HTTP answers it: its code for a domain error,
    UNAVAILABLE while PostgreSQL or Redis is unreachable; anything else is logged at ERROR with
    its traceback and answered INTERNAL_SERVER_ERROR without details (no SQL, no Redis text)."""
    if isinstance(exc, GraphQLError):
        return exc
    if isinstance(exc, DomainError):
        return as_graphql_error(exc)
    if is_transient(exc):
        return as_graphql_error(Unavailable())
    log.error("unexpected error in a subscription", exc_info=exc)
    return GraphQLError("Internal server error", extensions={"code": "INTERNAL_SERVER_ERROR"})


def is_unexpected(error: GraphQLError) -> bool:
    """An exception a resolver did not mean to raise (not a domain error, not a GraphQL one, not
    PostgreSQL or Redis being unreachable, which is answered UNAVAILABLE)."""
    original = error.original_error
    return (
        original is not None
        and not isinstance(original, (DomainError, GraphQLError))
        and not is_transient(original)
        and error.path is not None
    )


def log_unexpected(errors: list[GraphQLError]) -> None:
    for error in errors:
        if is_unexpected(error):
            path = ".".join(map(str, error.path or ()))
            log.error("unexpected error resolving %s", path, exc_info=error.original_error)


def _classify(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is not None and not isinstance(original, DomainError) and is_transient(original):
        original = Unavailable()
    if isinstance(original, DomainError):
        extensions = _extensions(original)
        return GraphQLError(
            original.message, error.nodes, error.source, error.positions, error.path, None, extensions
        )
    if error.extensions and "code" in error.extensions:
        return error
    if is_unexpected(error):  # logged by LiftplanSchema.process_errors, with its traceback
        return GraphQLError(
            "Internal server error", error.nodes, error.source, error.positions, error.path, None,
            {"code": "INTERNAL_SERVER_ERROR"},
        )  # fmt: skip
    if error.message.startswith("Syntax Error"):
        code = "GRAPHQL_PARSE_FAILED"
    elif error.message.startswith("Variable "):
        code = "BAD_USER_INPUT"
    else:
        code = "GRAPHQL_VALIDATION_FAILED"
    return GraphQLError(
        error.message,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        None,
        {**(error.extensions or {}), "code": code},
    )


def classify_errors(errors: list[GraphQLError]) -> list[GraphQLError]:
    """The errors of a result executed outside Strawberry's pipeline (a live group's), as the
    pipeline would leave them: unexpected ones logged with their traceback, every one coded."""
    log_unexpected(errors)
    return [_classify(e) for e in errors]


class ErrorCodes(SchemaExtension):
    """Give every error a stable ``extensions.code`` and mask unexpected ones: in the result of
    a query or mutation, and in every result a subscription streams."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [_classify(e) for e in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        if getattr(result, "errors", None):
            result.errors = [_classify(e) for e in result.errors]
        yield
