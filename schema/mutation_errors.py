"""Mutation errors: each mutation's own error type, the codes it may carry, and the one place a
domain exception becomes that type.

A mutation returns a union of its success type and its error type, a ``UserError`` declared with
``@mutation_error``, which lists the codes it may carry (``codes``, repeated in its description).
``MutationErrors``, registered on the schema once per error type (Strawberry applies it to every
field whose union holds that type), answers a domain error carrying one of those codes with that
type. The request's own failures, UNAUTHENTICATED, RATE_LIMITED and UNAVAILABLE, are nobody's
business outcome: they stay top-level errors with ``extensions.code`` for every operation, queries,
mutations and subscriptions alike (``schema.errors.ErrorCodes``). Any other code is a resolver
raising what its type does not declare, a bug: logged at ERROR, answered INTERNAL_SERVER_ERROR.
"""

import enum
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from services.errors import DomainError

REQUEST_LEVEL = "Never in a mutation's error: a top-level error (``extensions.code``) for every operation."


@strawberry.enum(
    description=(
        "Stable codes of expected failures, for programs to branch on. A mutation's error type lists "
        "the ones it may carry; the others are top-level errors only (``errors[].extensions.code``)."
    )
)
class ErrorCode(enum.Enum):
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND",
        description="The object named does not exist or is not yours (the two are answered alike).",
    )
    INVALID_INPUT = strawberry.enum_value(
        "INVALID_INPUT", description="An argument is malformed or out of range; ``field`` names it."
    )
    UNAUTHENTICATED = strawberry.enum_value(
        "UNAUTHENTICATED", description=f"No valid API token came with the request. {REQUEST_LEVEL}"
    )
    FORBIDDEN = strawberry.enum_value(
        "FORBIDDEN", description="You are known but may not do this at all (repairProgram is for admins)."
    )
    RATE_LIMITED = strawberry.enum_value(
        "RATE_LIMITED",
        description=f"Too many calls; ``extensions.retryAfterSeconds`` says when to retry. {REQUEST_LEVEL}",
    )
    UNAVAILABLE = strawberry.enum_value(
        "UNAVAILABLE",
        description=(
            "PostgreSQL or Redis did not answer: nothing was decided, retry after "
            f"``extensions.retryAfterSeconds``. {REQUEST_LEVEL}"
        ),
    )
    STREAM_INTERRUPTED = strawberry.enum_value(
        "STREAM_INTERRUPTED",
        description=(
            "A subscription fell too far behind and was ended: subscribe again (with ``after``: the "
            "last cursor). Subscriptions only, as a top-level error."
        ),
    )
    INTERNAL = strawberry.enum_value(
        "INTERNAL",
        description="Never sent: an unexpected failure is the top-level INTERNAL_SERVER_ERROR.",
        deprecation_reason="Never sent: unexpected failures are the top-level INTERNAL_SERVER_ERROR.",
    )


PAYLOAD_CODES = frozenset({ErrorCode.NOT_FOUND, ErrorCode.INVALID_INPUT, ErrorCode.FORBIDDEN})
"""The codes a mutation's error type may list: outcomes of the mutation itself."""
REQUEST_LEVEL_CODES = frozenset(
    code.name for code in (ErrorCode.UNAUTHENTICATED, ErrorCode.RATE_LIMITED, ErrorCode.UNAVAILABLE)
)
"""The request's own failures: top-level errors for every operation."""


@strawberry.interface(
    description=(
        "An expected failure of a mutation, which changed nothing: show ``message``, branch on ``code``. "
        "UNAUTHENTICATED, RATE_LIMITED and UNAVAILABLE are never here: like for queries, they are "
        "top-level errors."
    )
)
class UserError:
    codes: ClassVar[tuple[ErrorCode, ...]] = ()
    """The codes this error type may carry (see ``mutation_error``)."""

    code: ErrorCode = strawberry.field(description="What failed: one of the codes the error type lists.")
    message: str = strawberry.field(description="Why, in words to show a person.")
    field: str | None = strawberry.field(description="The input field at fault, when there is one.")
    retry_after_seconds: int | None = strawberry.field(
        default=None,
        description=(
            "Always null: RATE_LIMITED and UNAVAILABLE are top-level errors, with "
            "``extensions.retryAfterSeconds``."
        ),
        deprecation_reason="Always null: RATE_LIMITED and UNAVAILABLE are top-level errors.",
    )


E = TypeVar("E", bound=type[UserError])


def mutation_error(description: str) -> Callable[[E], E]:
    """Make ``cls`` a GraphQL error type whose description ends with the codes it lists."""

    def declare(cls: E) -> E:
        codes = cls.__dict__.get("codes")
        if not codes or not set(codes) <= PAYLOAD_CODES:
            allowed = ", ".join(sorted(code.name for code in PAYLOAD_CODES))
            raise TypeError(f"{cls.__name__}.codes must list some of {allowed}, got {codes!r}")
        listed = ", ".join(code.name for code in codes)
        return strawberry.type(cls, description=f"{description} Codes: {listed}.")

    return declare


class UndeclaredErrorCode(Exception):
    """A mutation raised a domain error whose code its error type does not list."""


class MutationErrors(strawberry.ExceptionHandler[DomainError, Any]):
    """Answers a domain error raised by a mutation returning ``error_type`` (in its union)."""

    def __init__(self, error_type: type[UserError]) -> None:
        self.error_type = error_type
        self.codes = frozenset(code.name for code in error_type.codes)

    def handle(self, exception: DomainError, *, field: StrawberryField, info: Info) -> UserError | None:
        if exception.code in self.codes:
            return self.error_type(
                code=ErrorCode[exception.code],
                message=exception.message,
                field=exception.field,
            )
        if exception.code in REQUEST_LEVEL_CODES:
            return None  # declined: raised on, a top-level error like in any operation
        raise UndeclaredErrorCode(
            f"{info.field_name} raised {exception.code} ({exception.message}), which "
            f"{self.error_type.__name__} does not list"
        ) from exception
