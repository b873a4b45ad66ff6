"""How long each list field of the schema can get, for the cost of an operation
(``schema.query_cost``): the most the domain allows (weeks of a program, days of a week,
exercises of a session), the page sizes of paged fields, and the introspection lists sized by
the schema itself, so the standard introspection query costs what it returns while nested
``fields { type { fields`` chains still multiply.
"""

import math
from dataclasses import dataclass

from graphql import GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema

from resolvers.movements import MAX_MOVEMENTS
from services.generation.session_drafting import MIN_EXERCISES
from services.generation.session_templates import TEMPLATES
from services.programs.creation import MAX_DAYS, MAX_WEEKS
from services.programs.reads import MAX_PAGE_SIZE as MAX_PROGRAMS_PAGE

MAX_EXERCISES = max(MIN_EXERCISES, *(len(slots) for variants in TEMPLATES.values() for slots in variants))
"""The most exercises drafting gives a session: the longest template (reserve slots only top a
thin session up to ``MIN_EXERCISES``)."""

SESSIONS_PER_PROGRAM = MAX_WEEKS * MAX_DAYS


@dataclass(frozen=True)
class Paged:
    """A field whose ``first`` argument sizes a list: the field itself, or ``nodes`` below it."""

    argument: str
    most: int


PAGED: dict[tuple[str, str], Paged] = {
    ("Query", "programs"): Paged("first", MAX_PROGRAMS_PAGE),
    ("Query", "movements"): Paged("first", MAX_MOVEMENTS),
}
PAGE_LISTS = {("ProgramConnection", "nodes")}
"""Lists as long as the page of the paged field above them."""

LIST_SIZES: dict[tuple[str, str], int] = {
    ("Program", "microcycles"): MAX_WEEKS,
    ("Program", "sessions"): SESSIONS_PER_PROGRAM,
    ("Microcycle", "sessions"): MAX_DAYS,
    ("Session", "exercises"): MAX_EXERCISES,
    # Only the program's own sessions can be regenerated or repaired.
    ("RegenerateSessionsSuccess", "sessions"): SESSIONS_PER_PROGRAM,
    ("RepairProgramSuccess", "sessions"): SESSIONS_PER_PROGRAM,
}


def introspection_sizes(schema: GraphQLSchema) -> dict[tuple[str, str], int]:
    """Introspection lists sized by this schema: how many types and directives it has, and per
    type (or field, or directive) how many of each thing on average, rounded up, so that
    ``types { fields }`` costs what it returns."""
    types = list(schema.type_map.values())
    objects = [t for t in types if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType))]
    fields = [f for t in objects for f in t.fields.values()]

    def mean(counts: list[int]) -> int:
        return max(1, math.ceil(sum(counts) / len(counts))) if counts else 1

    def count(attribute: str) -> int:
        return mean([len(getattr(t, attribute, None) or ()) for t in types])

    possible = [len(schema.get_possible_types(t)) for t in types if isinstance(t, GraphQLInterfaceType)]
    possible += [len(t.types) for t in types if hasattr(t, "types")]
    return {
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): len(schema.directives),
        ("__Type", "fields"): mean([len(t.fields) if t in objects else 0 for t in types]),
        ("__Type", "inputFields"): mean(
            [len(t.fields) if isinstance(t, GraphQLInputObjectType) else 0 for t in types]
        ),
        ("__Type", "enumValues"): count("values"),
        ("__Type", "interfaces"): count("interfaces"),
        ("__Type", "possibleTypes"): mean(possible + [0] * (len(types) - len(possible))),
        ("__Field", "args"): mean([len(f.args) for f in fields]),
        ("__Directive", "args"): mean([len(d.args) for d in schema.directives]),
        ("__Directive", "locations"): 1,  # enum values: leaves
    }
