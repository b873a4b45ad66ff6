"""Values a hostile client would send for the arguments of ``schema.graphql``'s operations.

For each argument: a value of its own shape with hostile leaves (strings with NUL, lone
surrogates, 100,000 characters, fullwidth digits, LIKE wildcards; integers at and past their
limits; dates far off; ids of rows that exist among them), or any JSON value of any type.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from hypothesis import strategies as st

from tests.program_requests import program_input

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"
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
    kind: str  # "query", "mutation" or "subscription"
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
    """Every root field of ``schema.graphql`` that takes arguments, queries to subscriptions."""
    schema = build_schema(SDL.read_text())
    found = []
    roots = (("query", schema.query_type), ("mutation", schema.mutation_type))
    for kind, root in (*roots, ("subscription", schema.subscription_type)):
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
        required: dict[str, st.SearchStrategy[Any]] = {}
        optional: dict[str, st.SearchStrategy[Any]] = {}
        for argument, type_ in operation.arguments.items():
            value = shaped(type_) | any_json if argument == target else shaped(type_)
            kept = required if isinstance(type_, GraphQLNonNull) else optional
            kept[operation.variable(argument)] = value
        return st.fixed_dictionaries(required, optional=optional)

    return st.sampled_from(list(operation.arguments)).flatmap(variables)
