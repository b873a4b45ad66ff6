"""No N+1: the front end's program view costs the same number of SQL statements at any size."""

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
