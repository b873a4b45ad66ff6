"""No "Did you mean ...?" while introspection is off: graphql-core's suggestions would spell the
schema's fields, arguments, types and enum values out to anyone, one typo at a time.

graphql-core (3.3) can leave them out (``hide_suggestions``), but Strawberry passes the flag
neither to validation nor to execution: validation is run here with it, before Strawberry's own
(which then sees it done), and ``LiftplanSchema`` hands it to execution, where variables are
coerced (an enum value misspelled in ``variables``).
"""

from collections.abc import Iterator

from graphql import validate
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule


class HideSuggestions(SchemaExtension):
    """Validate the document with the same rules as Strawberry would, suggestions left out.

    Must come after the extensions that add validation rules (in ``on_operation``) and after
    the document cache (a cached document is valid already: nothing to run)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.pre_execution_errors is None and context.graphql_document is not None:
            rules = (*context.validation_rules, MaybeNullValidationRule, OneOfInputValidationRule)
            context.pre_execution_errors = validate(
                context.schema._schema, context.graphql_document, rules, hide_suggestions=True
            )
        yield
