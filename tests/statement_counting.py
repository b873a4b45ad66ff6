"""The SQL statements any engine of this process runs while a block runs, to count a request's work
(reads of the status log left out: the status hub makes them on its own, never a request)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The API's status hub may still be reading the status log after the worker's events,
        # on its own connection: that is not the view's work (the view never reads the log).
        if "status_events" not in statement:
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)
