"""Ids as clients send them: strings on the wire (GraphQL IDs, REST path segments and bodies),
integers in PostgreSQL."""

from services.errors import InvalidInput

MAX_ID = 2**63 - 1
MAX_DIGITS = len(str(MAX_ID))


def parse_id(value: object, field: str) -> int:
    """The id in ``value``: ASCII digits only (no sign, spaces, underscores or other scripts'
    digits, which ``int`` would accept), a positive bigint."""
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit()):
        raise InvalidInput(f"{field} must be a numeric id, got {_shown(value)}", field=field)
    parsed = int(text) if len(text) <= MAX_DIGITS else MAX_ID + 1  # int() refuses 4,300 digits
    if not 0 < parsed <= MAX_ID:
        raise InvalidInput(f"{field} must be a positive id, got {_shown(value)}", field=field)
    return parsed


def _shown(value: object) -> str:
    """``value`` for a message: short, and printable whatever the client sent."""
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."
