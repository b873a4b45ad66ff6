"""Text a client sends that PostgreSQL could not store: refused as bad input, never sent on.

PostgreSQL's ``text`` holds no NUL character, and a string with a lone surrogate (JSON lets a
client send ``"\\ud800"``) has no UTF-8 form at all; either would fail deep in the driver.
"""

from services.errors import InvalidInput


def storable_text(value: str, field: str) -> str:
    """``value`` as it is; ``InvalidInput`` on ``field`` when PostgreSQL text cannot hold it."""
    if "\x00" in value:
        raise InvalidInput(f"{field} must not contain the NUL character (U+0000)", field=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{field} must be Unicode text (it holds a lone surrogate)", field=field) from None
    return value
