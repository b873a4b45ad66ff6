"""Every argument of every query and mutation, fed arbitrary values as a hostile client would.

The operations and their arguments are read from ``schema.graphql`` (checked against the code by
``tests/api/test_schema_sdl.py``), so a new argument is covered without touching this file. Each
argument gets either a value of its own shape with hostile leaves (strings with NUL, lone
surrogates sent as ``"\\ud800"``, 100,000 characters, fullwidth digits, LIKE wildcards; integers
at and past their limits; dates far off) or any JSON value of any type. Each request goes as
variables over HTTP to the real app under uvicorn. The properties: no 5xx, no
``INTERNAL_SERVER_ERROR``, nothing logged at ERROR, and the server still answers ``/healthz``.
"""

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLUnionType,
    build_schema,
    get_named_type,
    is_leaf_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from core.settings import Settings
from models import Role
from tests.api.conftest import UserMaker, running_api
from tests.api.test_programs_api import CREATE_PROGRAM, program_input

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"
EXAMPLES_PER_OPERATION = 30  # 7 operations take arguments today: 210 requests
LONG = 100_000

HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "a\udfffb",
    "\ud83d",  # the first half of an emoji, alone
    "\uff11",  # a fullwidth digit one
    "٣",  # an Arabic-Indic digit
    "+1",
    "-1",
    "0",
    "1_000",
    " 1",
    "1e3",
    "0x10",
    "99999999999999999999999",
    "%",
    "_",
    "\\",
    "%_\\%",
    "' OR 1=1 --",
    "${jndi:x}",
    "\u202e",
    "🏋️",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "cHJvZ3JhbTox",  # base64 of "program:1", a cursor's shape
    "a" * LONG,
    "\x00" * LONG,
    "\ud800" * LONG,
    "\uff11" * LONG,
]
INT_EDGES = [0, -1, 1, 2**31 - 1, -(2**31), 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**30]

# Any text, lone surrogates included (Hypothesis leaves them out unless asked).
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
hostile_text = st.sampled_from(HOSTILE_TEXT) | any_text
any_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(INT_EDGES)
    | st.floats(allow_nan=False, allow_infinity=False)
    | hostile_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=8,
)


@dataclass(frozen=True)
class Operation:
    kind: str  # "query" or "mutation"
    field: str
    arguments: dict[str, GraphQLInputType]
    selection: str

    @property
    def document(self) -> str:
        """The field with every argument as a variable of the argument's own type."""
        names = {name: f"v{i}" for i, name in enumerate(self.arguments)}
        declared = ", ".join(f"${names[a]}: {t}" for a, t in self.arguments.items())
        passed = ", ".join(f"{a}: ${names[a]}" for a in self.arguments)
        return f"{self.kind}({declared}) {{ {self.field}({passed}) {self.selection} }}"

    def variable(self, argument: str) -> str:
        return f"v{list(self.arguments).index(argument)}"


def operations() -> list[Operation]:
    schema = build_schema(SDL.read_text())
    found = []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        for name, field in root.fields.items():
            returned = get_named_type(field.type)
            if field.args and not is_leaf_type(returned):
                arguments = {a: arg.type for a, arg in field.args.items()}
                found.append(Operation(kind, name, arguments, selection(returned)))
    return found


def selection(returned: GraphQLNamedType) -> str:
    """``__typename``, and the ``code`` of a union's error members (a mutation's expected errors)."""
    members = returned.types if isinstance(returned, GraphQLUnionType) else []
    coded = [f"... on {member.name} {{ code }}" for member in members if "code" in member.fields]
    return "{ " + " ".join(["__typename", *coded]) + " }"


def shaped(type_: GraphQLInputType) -> st.SearchStrategy[Any]:
    """A value of ``type_``'s shape (null where it may be) with hostile leaves."""
    if isinstance(type_, GraphQLNonNull):
        return _shaped(type_.of_type)
    return st.none() | _shaped(type_)


def _shaped(type_: GraphQLInputType) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLList):
        item = shaped(type_.of_type)
        # Also lists of ids about the size the services accept at most (1,000 session ids).
        many = st.integers(990, 1_010).map(lambda n: [str(i) for i in range(1, n + 1)])
        return st.lists(item, max_size=5) | item | many
    if isinstance(type_, GraphQLEnumType):
        return st.sampled_from(list(type_.values)) | hostile_text
    if isinstance(type_, GraphQLInputObjectType):
        # A valid input with one or two fields spoiled (else nothing reaches the services), and
        # sometimes a field the type does not have.
        fields = {name: shaped(field.type) | any_json for name, field in type_.fields.items()}
        valid = st.builds(program_input) if type_.name == "CreateProgramInput" else st.just({})
        spoiled = st.sampled_from(list(fields)).flatmap(
            lambda name: st.fixed_dictionaries({name: fields[name]})
        )
        unknown = st.dictionaries(any_text, any_json, max_size=1)
        return st.builds(
            lambda *parts: {k: v for part in parts for k, v in part.items()}, valid, spoiled, spoiled, unknown
        )
    assert isinstance(type_, GraphQLScalarType), type_
    return {
        "Int": st.integers(-(2**31), 2**31 - 1) | st.integers(-5, 1_100) | st.sampled_from(INT_EDGES),
        "Float": st.floats(allow_nan=False, allow_infinity=False),
        "Boolean": st.booleans(),
        "Date": st.dates().map(str) | hostile_text,
        "DateTime": st.datetimes().map(lambda d: d.isoformat()) | hostile_text,
        # Ids of rows that exist (the programs made first and their sessions) among the hostile.
        "ID": st.integers(1, 8).map(str) | hostile_text | st.integers().map(str),
    }.get(type_.name, hostile_text)


def variables_for(operation: Operation) -> st.SearchStrategy[dict[str, Any]]:
    """One argument, drawn at random, gets a value of its shape or any JSON value at all; the
    others one of their shape. A nullable one may be left out."""

    def variables(target: str) -> st.SearchStrategy[dict[str, Any]]:
        required, optional = {}, {}
        for argument, type_ in operation.arguments.items():
            value = shaped(type_) | any_json if argument == target else shaped(type_)
            kept = required if isinstance(type_, GraphQLNonNull) else optional
            kept[operation.variable(argument)] = value
        return st.fixed_dictionaries(required, optional=optional)

    return st.sampled_from(list(operation.arguments)).flatmap(variables)


def check(
    client: httpx.Client,
    token: str,
    operation: Operation,
    variables: dict[str, Any],
    errors: Callable[[], int],
) -> str:
    """Send one request and check the properties; what it was answered (a code, or "data")."""
    logged_before = errors()
    # ASCII-only JSON: a lone surrogate travels as "\ud800", as a client can send it.
    body = json.dumps({"query": operation.document, "variables": variables}, ensure_ascii=True).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    response = client.post("/graphql", content=body, headers=headers)
    assert response.status_code < 500, (response.status_code, response.text[:500])
    answer = response.json()
    codes = [(e.get("extensions") or {}).get("code") for e in answer.get("errors") or []]
    data = answer.get("data") or {}
    result = data.get(operation.field) if isinstance(data, dict) else None
    if isinstance(result, dict) and result.get("code"):
        codes.append(result["code"])
    assert "INTERNAL_SERVER_ERROR" not in codes and "INTERNAL" not in codes, answer
    assert errors() == logged_before, "logged at ERROR"
    return codes[0] if codes else "data" if response.status_code == 200 else f"HTTP {response.status_code}"


def property_for(
    client: httpx.Client,
    tokens: list[str],
    operation: Operation,
    errors: Callable[[], int],
    outcomes: Counter[str],
) -> Callable[[], None]:
    """The property for one operation, bounded and reproducible (the same examples every run)."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(variables=variables_for(operation), token=st.sampled_from(tokens))
    def holds(variables: dict[str, Any], token: str) -> None:
        outcomes[check(client, token, operation, variables, errors)] += 1
        if len(json.dumps(variables)) > LONG:
            outcomes["(sent over 100,000 characters)"] += 1

    return holds  # type: ignore[no-any-return]


def explore(base_url: str, tokens: list[str], errors: Callable[[], int]) -> dict[str, Counter[str]]:
    """Run the property for each operation; how each was answered."""
    explored: dict[str, Counter[str]] = {}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for operation in operations():
            explored[operation.field] = Counter()
            property_for(client, tokens, operation, errors, explored[operation.field])()
    return explored


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO):
        yield caplog


async def test_no_argument_value_makes_the_server_fail(
    api_settings: Settings,
    redis: Redis,
    library: None,
    make_token: UserMaker,
    logged: pytest.LogCaptureFixture,
) -> None:
    # Given a server whose limits let every value reach the resolvers (100,000 lone surrogates are
    # 600 KB of JSON; no rate limit cuts the mutations short), a coach's and an admin's program.
    roomy = api_settings.model_copy(update={"max_body_bytes": 2_000_000, "rate_limit_per_minute": 1_000_000})
    tokens = [await make_token(Role.COACH), await make_token(Role.ADMIN)]
    async with running_api(roomy) as api:
        for token in tokens:
            created = await api.graphql(CREATE_PROGRAM, {"input": program_input(weeks=1)}, token)
            assert created["data"]["createProgram"]["__typename"] == "CreateProgramSuccess"

        def errors() -> int:
            return sum(r.levelno >= logging.ERROR for r in logged.records)

        # When each operation is sent arbitrary values for its arguments (a thread: the server
        # runs on this loop), then each answer is a 4xx or a typed error.
        explored = await asyncio.to_thread(explore, api.base_url, tokens, errors)

        health = await api.client.get("/healthz")
    print("\n".join(f"{field}: {dict(answers)}" for field, answers in explored.items()))
    assert set(explored) == {op.field for op in operations()} and len(explored) >= 7
    # The values reached the services (not all refused by GraphQL's type checks), and some passed.
    everything = sum(explored.values(), Counter[str]())
    assert everything["INVALID_INPUT"] > 0 and everything["BAD_USER_INPUT"] > 0 and everything["data"] > 0
    assert everything["(sent over 100,000 characters)"] > 0
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert [r.getMessage() for r in logged.records if r.levelno >= logging.ERROR] == []
