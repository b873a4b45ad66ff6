"""No N+1: the front end's program view costs the same number of SQL statements at any size."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from core.settings import Settings
from tests.api.conftest import Api
from tests.api.test_programs_api import PROGRAM_VIEW, create_program
from tests.workers import run_worker_until_idle


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


async def test_program_view_statement_count_does_not_grow_with_the_program(
    api: Api, token: str, library: None, api_settings: Settings
) -> None:
    small = await create_program(api, token, weeks=1, daysPerWeek=3)
    large = await create_program(api, token, weeks=12, daysPerWeek=7)
    await run_worker_until_idle(api_settings)

    counts = {}
    for program_id in (small, large):
        with counting_statements() as statements:
            body = await api.graphql(PROGRAM_VIEW, {"id": program_id}, token)
        assert "errors" not in body
        counts[program_id] = len(statements)

    sessions = sum(len(m["sessions"]) for m in body["data"]["program"]["microcycles"])
    assert sessions == 84
    # token, program, progress, microcycles, sessions, exercises, movements
    assert counts[small] == counts[large] <= 8, counts
    print("statements per program view:", counts)
