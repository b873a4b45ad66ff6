"""What an operation may cost, estimated from its document and list sizes before it executes.

Each field costs 1; a list field multiplies the cost of its selection by its expected size: the
``first`` argument where the field has one (from the variables, else the operation's default for
the variable, else the argument's default; clamped to the page size the resolver accepts, since
it refuses more with INVALID_INPUT), otherwise the most the domain allows (``schema.list_sizes``).
Selections of a union or interface are all counted (an overestimate).

This is not a validation rule because validation does not see variables, and a valid document
skips validation when it comes again (``schema.document_cache``); the check runs in
``on_execute``, before anything executes, for queries, mutations and subscriptions (per event)
over HTTP and both WebSocket protocols.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
    value_from_ast_untyped,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef
from strawberry.extensions.base_extension import SchemaExtension

from schema.list_sizes import LIST_SIZES, PAGE_LISTS, PAGED, Paged, introspection_sizes

CODE = "QUERY_TOO_COSTLY"


class QueryTooCostly(GraphQLError):
    def __init__(self, cost: int, limit: int) -> None:
        super().__init__(
            f"Query cost {cost:,} exceeds the limit of {limit:,} (each field costs 1; a list "
            "multiplies its selection by its expected size: `first`, or the most a program allows)",
            extensions={"code": CODE, "cost": cost, "maxCost": limit},
        )


class CostModel:
    """The list sizes of one schema, and the cost of operations against it."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.sizes = {**LIST_SIZES, **introspection_sizes(schema)}
        known = self.sizes.keys() | PAGE_LISTS | PAGED.keys()
        missing = [
            f"{type_name}.{name}"
            for type_name, t in schema.type_map.items()
            if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType))
            for name, field in t.fields.items()
            if _is_object_list(field) and (type_name, name) not in known
        ]
        if missing:  # a new list must say how long it can get
            raise ValueError(
                f"no expected size for the list fields {', '.join(missing)} (schema/list_sizes.py)"
            )

    def cost(
        self,
        document_definitions: Any,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> int:
        """The cost of the operation that will execute (0 if there is none to pick)."""
        operations = [d for d in document_definitions if isinstance(d, OperationDefinitionNode)]
        fragments = {d.name.value: d for d in document_definitions if isinstance(d, FragmentDefinitionNode)}
        if operation_name is not None:
            operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
        if len(operations) != 1:
            return 0  # execution answers this itself, without running anything
        operation = operations[0]
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        defaults = {
            d.variable.name.value: value_from_ast_untyped(d.default_value)
            for d in operation.variable_definitions or ()
            if d.default_value is not None
        }
        walk = _Walk(self, fragments, {**defaults, **(variables or {})})
        return walk.selection_set(operation.selection_set, root, page=1)


def _is_object_list(field: GraphQLField) -> bool:
    return is_list_type(get_nullable_type(field.type)) and is_composite_type(get_named_type(field.type))


class _Walk:
    def __init__(
        self, model: CostModel, fragments: dict[str, FragmentDefinitionNode], variables: Mapping[str, Any]
    ):
        self.model = model
        self.fragments = fragments
        self.variables = variables
        # A fragment costs the same wherever it is spread (variables are the operation's), so each
        # is walked once per page size: twenty nested fragments each spread in two places would
        # otherwise be walked a million times.
        self.memo: dict[tuple[str, int], int] = {}
        self.open: set[str] = set()

    def selection_set(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLCompositeType,
        page: int,
        spread: set[str] | None = None,
    ) -> int:
        """``spread``: the fragments already in this selection; execution collects each once."""
        if selection_set is None:
            return 0
        spread = set() if spread is None else spread
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                named = self.model.schema.get_type(condition.name.value) if condition else None
                inner = named if is_composite_type(named) else parent  # validation refuses other types
                total += self.selection_set(selection.selection_set, inner, page, spread)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in spread:
                spread.add(selection.name.value)
                total += self.fragment(selection.name.value, page)
        return total

    def fragment(self, name: str, page: int) -> int:
        """What the fragment costs on its own (spread beside fragments it spreads too, a little
        more than execution does)."""
        key = (name, page)
        if key in self.memo:
            return self.memo[key]
        definition = self.fragments.get(name)
        if definition is None or name in self.open:  # validation refuses both before this runs
            return 0
        condition = self.model.schema.get_type(definition.type_condition.name.value)
        if not is_composite_type(condition):  # validation refuses it, as above
            return 0
        self.open.add(name)
        cost = self.selection_set(definition.selection_set, condition, page, {name})
        self.open.discard(name)
        self.memo[key] = cost
        return cost

    def field(self, node: FieldNode, parent: GraphQLCompositeType, page: int) -> int:
        name = node.name.value
        definition = _field_definition(self.model.schema, parent, name)
        if definition is None:  # validation refuses unknown fields
            return 1
        key = (parent.name, name)
        paged = PAGED.get(key)
        if paged is not None:
            page = self.first(node, definition, paged)
        if node.selection_set is None:
            return 1
        size = 1
        if is_list_type(get_nullable_type(definition.type)):
            size = page if key in PAGE_LISTS or paged is not None else self.model.sizes.get(key, 1)
        inner = get_named_type(definition.type)
        if not is_composite_type(inner):  # a selection on a leaf field: validation refuses it
            return 1
        return 1 + size * self.selection_set(node.selection_set, inner, page)

    def first(self, node: FieldNode, definition: GraphQLField, paged: Paged) -> int:
        """The page size this field will be asked for, as the resolver will accept it."""
        value: Any = None
        argument = next((a for a in node.arguments or () if a.name.value == paged.argument), None)
        if argument is None:
            schema_argument = definition.args.get(paged.argument)
            value = schema_argument.default_value if schema_argument is not None else None
        elif isinstance(argument.value, VariableNode):
            value = self.variables.get(argument.value.name.value)
        elif isinstance(argument.value, IntValueNode):
            value = int(argument.value.value)
        if not isinstance(value, int) or isinstance(value, bool):
            return paged.most  # a missing or unusable variable: the most it could be
        return max(1, min(value, paged.most))


def _field_definition(schema: GraphQLSchema, parent: GraphQLCompositeType, name: str) -> GraphQLField | None:
    if name == "__typename":
        return TypeNameMetaFieldDef
    if parent is schema.query_type:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
    fields = getattr(parent, "fields", None)
    return fields.get(name) if fields is not None else None


class QueryCost:
    """The limit of one schema; ``bind`` it to the built schema, then add ``extension``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.model: CostModel | None = None

    def bind(self, schema: GraphQLSchema) -> None:
        self.model = CostModel(schema)

    def extension(self) -> "CostLimit":
        """A fresh extension for one operation (Strawberry wants a factory)."""
        return CostLimit(self)


class CostLimit(SchemaExtension):
    """Refuse an operation over the limit before it executes.

    Raising in ``on_execute`` is what Strawberry answers as an error result on every path
    (HTTP, queries over WebSocket, subscriptions); it must be the first extension with an
    ``on_execute`` hook, so that no hook has been entered when it raises.
    """

    def __init__(self, limits: QueryCost) -> None:
        self._limits = limits

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        model = self._limits.model
        document = context.graphql_document
        if model is not None and document is not None:
            cost = model.cost(document.definitions, context.operation_name, context.variables)
            if cost > self._limits.limit:
                raise QueryTooCostly(cost, self._limits.limit)
        yield
