"""The schema documents itself: every type, field, argument, input field and enum value served
(what GraphiQL's docs and schema.graphql show) carries a description."""

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    is_introspection_type,
    is_specified_scalar_type,
)

from core.settings import Settings
from schema.root import build_schema as build_liftplan_schema


def undocumented(schema: GraphQLSchema) -> list[str]:
    """Every schema element without a description (blank counts as none), as ``Type``,
    ``Type.field``, ``Type.field(argument)`` or ``Enum.VALUE``; introspection types and the
    built-in scalars are GraphQL's own, documented by the specification."""
    missing: list[str] = []

    def check(description: str | None, where: str) -> None:
        if not (description or "").strip():
            missing.append(where)

    for name, kind in sorted(schema.type_map.items()):
        if is_introspection_type(kind) or is_specified_scalar_type(kind):
            continue
        check(kind.description, name)
        if isinstance(kind, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in kind.fields.items():
                check(field.description, f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    check(arg.description, f"{name}.{field_name}({arg_name})")
        elif isinstance(kind, GraphQLInputObjectType):
            for field_name, input_field in kind.fields.items():
                check(input_field.description, f"{name}.{field_name}")
        elif isinstance(kind, GraphQLEnumType):
            for value_name, value in kind.values.items():
                check(value.description, f"{name}.{value_name}")
    return missing


def test_every_element_of_the_served_schema_has_a_description() -> None:
    missing = undocumented(build_liftplan_schema(Settings())._schema)
    assert missing == [], f"{len(missing)} without a description:\n" + "\n".join(missing)


def test_the_walk_reports_each_kind_of_element() -> None:
    """The check above can fail: an element of each kind left undocumented is named."""
    schema = build_schema(
        '''
        """Documented."""
        type Query {
          """Documented."""
          plain: Int
          withArgument("""Documented.""" a: Int, b: Int): Int
          """ """
          blank: Int
          kind: Kind
          filter(by: Filter): Int
          answer: Answer
          shape: Shape
          when: Moment
        }
        enum Kind {
          """Documented."""
          ONE
          TWO
        }
        """Documented."""
        input Filter { text: String }
        union Answer = Query
        interface Shape { sides: Int }
        scalar Moment
        '''
    )
    assert sorted(undocumented(schema)) == [
        "Answer",
        "Filter.text",
        "Kind",
        "Kind.TWO",
        "Moment",
        "Query.answer",
        "Query.blank",
        "Query.filter",
        "Query.filter(by)",
        "Query.kind",
        "Query.shape",
        "Query.when",
        "Query.withArgument",
        "Query.withArgument(b)",
        "Shape",
        "Shape.sides",
    ]
