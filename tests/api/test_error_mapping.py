"""Domain errors are mapped in one place (``schema/mutation_errors.py``): each mutation's error type
lists exactly the codes its resolver raises (each driven here over HTTP); the request's own failures
(UNAUTHENTICATED, RATE_LIMITED, UNAVAILABLE) are top-level errors for mutations as for queries; a
code the error type does not list is answered as internal and logged at ERROR; and no resolver in
``schema/`` catches domain errors by hand."""

import ast
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLUnionType
from strawberry.types import get_object_definition

import services.programs.creation
from core.settings import Settings
from models import Role
from resolvers.subscriptions import StreamInterrupted
from schema.mutation_errors import ErrorCode, MutationErrors, UndeclaredErrorCode, UserError, mutation_error
from schema.root import build_schema
from services.errors import DomainError, Unavailable, UserNotFound
from tests.api_client import Api, UserMaker, running_api
from tests.program_requests import CREATE_PROGRAM, REGENERATE, create_program, program_input

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"
MISSING_ID = "999999999"
VIEWER = "query { viewer { email } }"
REPAIR = """
mutation Repair($programId: ID!) {
  repairProgram(programId: $programId) {
    __typename
    ... on RepairProgramSuccess { sessions { id } }
    ... on RepairProgramError { code message field }
  }
}
"""


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO):
        yield caplog


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


def served_error_types() -> dict[str, GraphQLObjectType]:
    """Each mutation of the served schema and the member of its result union that is an error."""
    schema = build_schema(Settings())._schema
    assert schema.mutation_type is not None
    found = {}
    for name, field in schema.mutation_type.fields.items():
        union = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        assert isinstance(union, GraphQLUnionType), name
        errors = [t for t in union.types if any(i.name == "UserError" for i in t.interfaces)]
        assert len(errors) == 1, (name, errors)
        found[name] = errors[0]
    return found


def handled_error_types() -> dict[str, type[UserError]]:
    """The error types the schema maps domain errors to (one ``MutationErrors`` each), by name."""
    handlers = build_schema(Settings()).exception_handlers
    return {h.error_type.__name__: h.error_type for h in handlers if isinstance(h, MutationErrors)}


def listed_codes(error_type: GraphQLObjectType) -> set[str]:
    """The codes an error type's description lists, after "Codes:"."""
    match = re.search(r"Codes: ([A-Z_, ]+)\.$", error_type.description or "")
    assert match, error_type.description
    return set(match.group(1).split(", "))


def payload_code(body: dict[str, Any], mutation: str) -> str:
    """The code of the mutation's error type in ``body``; fails on anything else."""
    result = (body.get("data") or {}).get(mutation)
    assert result is not None and "errors" not in body, body
    assert result["__typename"].endswith("Error"), body
    return str(result["code"])


def top_level(body: dict[str, Any]) -> dict[str, Any]:
    """The extensions of the one top-level error of an answer without data."""
    assert body["data"] is None and len(body["errors"]) == 1, body
    return dict(body["errors"][0]["extensions"])


async def test_each_mutation_error_type_lists_exactly_the_codes_its_resolver_raises(
    api: Api, make_token: UserMaker, logged: pytest.LogCaptureFixture
) -> None:
    coach, admin = await make_token(), await make_token(Role.ADMIN)
    program_id = await create_program(api, coach, weeks=1, daysPerWeek=1)
    others = await create_program(api, await make_token(), weeks=1, daysPerWeek=1)
    # Given every way each mutation can fail on its own terms:
    cases: dict[str, list[tuple[str, dict[str, Any], str]]] = {
        "createProgram": [
            (CREATE_PROGRAM, {"input": program_input(weeks=0)}, coach),
            (CREATE_PROGRAM, {"input": program_input(name="a\u0000b")}, coach),
        ],
        "regenerateSessions": [
            (REGENERATE, {"programId": "x"}, coach),
            (REGENERATE, {"programId": program_id, "ids": []}, coach),
            (REGENERATE, {"programId": MISSING_ID}, coach),
            (REGENERATE, {"programId": others}, coach),
            (REGENERATE, {"programId": program_id, "ids": [MISSING_ID]}, coach),
        ],
        "repairProgram": [
            (REPAIR, {"programId": program_id}, coach),
            (REPAIR, {"programId": "-1"}, admin),
            (REPAIR, {"programId": MISSING_ID}, admin),
        ],
    }
    served, handled = served_error_types(), handled_error_types()
    assert set(cases) == set(served), "a mutation without cases here: add its ways to fail"
    for mutation, calls in cases.items():
        # When each is sent over HTTP,
        raised = set()
        for document, variables, token in calls:
            raised.add(payload_code(await api.graphql(document, variables, token), mutation))
        # then the codes answered are exactly those its error type lists, in the SDL and the code.
        error_type = served[mutation]
        assert error_type.name in handled, f"no MutationErrors handler for {error_type.name}"
        declared = {code.name for code in handled[error_type.name].codes}
        assert raised == listed_codes(error_type) == declared, mutation
    listed = set().union(*(listed_codes(t) for t in served.values()))
    assert listed == {"INVALID_INPUT", "NOT_FOUND", "FORBIDDEN"}, listed  # never STREAM_INTERRUPTED
    assert errors_logged(logged) == []


async def test_the_request_s_own_failures_are_top_level_for_mutations_as_for_queries(
    api: Api, token: str, logged: pytest.LogCaptureFixture
) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=1)
    operations: list[tuple[str, dict[str, Any]]] = [
        (VIEWER, {}),
        (CREATE_PROGRAM, {"input": program_input()}),
        (REGENERATE, {"programId": program_id}),
        (REPAIR, {"programId": program_id}),
    ]
    for bad_token in (None, "lp_" + "x" * 43):
        for document, variables in operations:
            body = await api.graphql(document, variables, bad_token)
            assert top_level(body)["code"] == "UNAUTHENTICATED", (document, body)
    assert errors_logged(logged) == []


async def test_rate_limited_mutations_are_top_level_errors_with_retry_advice(
    api_settings: Settings, token: str, redis: object
) -> None:
    async with running_api(api_settings.model_copy(update={"rate_limit_per_minute": 1})) as api:
        # A one-minute window: with a limit of 1, one of three quick calls at most crosses into the next.
        answers = [await api.graphql(CREATE_PROGRAM, {"input": program_input()}, token) for _ in range(3)]
    refused = [body for body in answers if body.get("errors")]
    assert 1 <= len(refused) <= 2, answers
    for body in refused:
        extensions = top_level(body)
        assert extensions["code"] == "RATE_LIMITED" and 0 < extensions["retryAfterSeconds"] <= 60, body
        assert "retry in" in body["errors"][0]["message"]


async def test_unavailable_in_a_mutation_is_a_top_level_503(
    api: Api, token: str, monkeypatch: pytest.MonkeyPatch, logged: pytest.LogCaptureFixture
) -> None:
    async def unreachable(*_: object) -> None:
        raise Unavailable()

    monkeypatch.setattr(services.programs.creation, "add_program", unreachable)
    response = await api.client.post(
        "/graphql",
        json={"query": CREATE_PROGRAM, "variables": {"input": program_input()}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 503 and response.headers["retry-after"] == "2", response.text
    assert top_level(response.json()) == {"code": "UNAVAILABLE", "retryAfterSeconds": 2}
    assert errors_logged(logged) == []


@pytest.mark.parametrize("unlisted", ["not found", "stream interrupted", "plain"])
async def test_a_code_the_error_type_does_not_list_is_internal_and_logged(
    api: Api, token: str, monkeypatch: pytest.MonkeyPatch, logged: pytest.LogCaptureFixture, unlisted: str
) -> None:
    # Given createProgram raising what CreateProgramError does not list (its owner gone mid-request,
    # a subscription's code, a bare DomainError),
    exceptions: dict[str, DomainError] = {
        "not found": UserNotFound(12345),
        "stream interrupted": StreamInterrupted("listener dropped"),
        "plain": DomainError("secret detail"),
    }

    async def raising(*_: object) -> None:
        raise exceptions[unlisted]

    monkeypatch.setattr(services.programs.creation, "add_program", raising)
    # When it is called,
    body = await api.graphql(CREATE_PROGRAM, {"input": program_input()}, token)
    # then the answer is an internal error without details, and the ERROR log says what happened.
    assert top_level(body) == {"code": "INTERNAL_SERVER_ERROR"}
    assert body["errors"][0]["message"] == "Internal server error"
    logged_errors = [r.exc_info[1] for r in logged.records if r.levelno >= logging.ERROR and r.exc_info]
    said = f"createProgram raised {exceptions[unlisted].code} ({exceptions[unlisted].message})"
    assert [e for e in logged_errors if isinstance(e, UndeclaredErrorCode) and said in str(e)], logged.text
    assert exceptions[unlisted].message not in str(body)


def test_an_error_type_may_list_only_a_mutation_s_own_outcomes() -> None:
    for codes in [(ErrorCode.STREAM_INTERRUPTED,), (ErrorCode.UNAUTHENTICATED,), (ErrorCode.INTERNAL,), ()]:
        bad = type("BadError", (UserError,), {"codes": codes})
        with pytest.raises(TypeError, match="must list some of FORBIDDEN, INVALID_INPUT, NOT_FOUND"):
            mutation_error("Why nothing happened.")(bad)
    good = mutation_error("Why nothing happened.")(
        type("GoodError", (UserError,), {"codes": (ErrorCode.NOT_FOUND,)})
    )
    assert get_object_definition(good, strict=True).description == "Why nothing happened. Codes: NOT_FOUND."


def domain_error_handlers(source: str) -> list[int]:
    """Lines of ``except`` clauses naming ``DomainError`` or one of its subclasses."""
    names = {cls.__name__ for cls in _subclasses(DomainError)}
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
            caught |= {n.attr for n in ast.walk(node.type) if isinstance(n, ast.Attribute)}
            if caught & names:
                lines.append(node.lineno)
    return lines


def _subclasses(cls: type[DomainError]) -> set[type[DomainError]]:
    found = {cls}
    for sub in cls.__subclasses__():
        found |= _subclasses(sub)
    return found


def test_no_resolver_in_schema_maps_domain_errors_by_hand() -> None:
    by_hand = {path.name: domain_error_handlers(path.read_text()) for path in SCHEMA_DIR.glob("*.py")}
    assert {name: lines for name, lines in by_hand.items() if lines} == {}
    # The scan finds such a clause, however the exception is named.
    assert domain_error_handlers("try:\n    x()\nexcept (KeyError, errors.NotFound) as e:\n    pass\n") == [3]
