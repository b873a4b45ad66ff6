"""No N+1: the front end's program view costs the same number of SQL statements at any size, and
the page's exercise counts are one statement for the whole program."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from tests.api_client import Api
from tests.program_requests import PROGRAM_VIEW, create_program
from tests.statement_counting import counting_statements
from tests.workers import run_worker_until_idle


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


Factory = async_sessionmaker[AsyncSession]
PAGE_COUNTS = """query($id: ID!) { program(id: $id) {
  microcycles { sessions { id generationStatus exerciseCount } } } }"""


async def test_exercise_counts_are_one_statement_for_the_whole_program_and_match_the_rows(
    api: Api, token: str, library: None, api_settings: Settings, session_factory: Factory
) -> None:
    program_id = await create_program(api, token, weeks=4, daysPerWeek=3)
    await run_worker_until_idle(api_settings)
    async with session_factory() as db, db.begin():
        emptied = await db.scalar(
            text(
                "DELETE FROM session_exercises WHERE session_id = "
                "(SELECT min(id) FROM sessions WHERE program_id = :p) RETURNING session_id"
            ),
            {"p": int(program_id)},
        )
        stored: dict[str, int] = dict(
            (
                await db.execute(
                    text(
                        "SELECT s.id::text, count(e.session_id) FROM sessions s "
                        "LEFT JOIN session_exercises e ON e.session_id = s.id "
                        "WHERE s.program_id = :p GROUP BY s.id"
                    ),
                    {"p": int(program_id)},
                )
            ).all()
        )

    with counting_statements() as statements:
        body = await api.graphql(PAGE_COUNTS, {"id": program_id}, token)
    sessions = [s for m in body["data"]["program"]["microcycles"] for s in m["sessions"]]
    assert {s["id"]: s["exerciseCount"] for s in sessions} == stored
    assert stored[str(emptied)] == 0 and sum(stored.values()) > 0
    assert sum("session_exercises" in statement for statement in statements) == 1, statements
