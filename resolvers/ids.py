"""GraphQL IDs are strings on the wire; ours are integers in PostgreSQL."""

from services.errors import InvalidInput

MAX_ID = 2**63 - 1


def parse_id(value: object, field: str) -> int:
    try:
        parsed = int(str(value))
    except ValueError:
        raise InvalidInput(f"{field} must be a numeric id, got {value!r}", field=field) from None
    if not 0 < parsed <= MAX_ID:
        raise InvalidInput(f"{field} must be a positive id, got {value!r}", field=field)
    return parsed
