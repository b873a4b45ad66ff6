"""The new-program form and a program's actions in a real Chromium: every error at once in the
form's words, whole numbers only, a row that stays aligned, a busy button while the program is
created, equipment named as people write it, and actions disabled (with the reason) once there
is nothing left for them to do."""

import asyncio
import json
import re
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import text

from models import Role
from tests.api_client import UserMaker, running_api
from tests.program_requests import create_program
from tests.web.browser_support import (
    ALL_COMPLETE,
    TIMEOUT_MS,
    Factory,
    OpenPage,
    Watch,
    generation_finished,
    require_browser,
    running_worker,
    settings_for,
    sign_in,
    wait_for,
)

async_api = require_browser()
NUMBER_FIELDS = ("daysPerWeek", "weeks", "minutesPerSession")

# The API itself refuses what the form refuses: a fractional Int never reaches the service.
FRACTIONAL_DAYS = """async (token) => {
  const input = { name: "x", goal: "STRENGTH", level: "BEGINNER", daysPerWeek: 4.5, weeks: 4,
                  minutesPerSession: 60, equipment: [] };
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: "mutation($i: CreateProgramInput!) { createProgram(input: $i) { __typename } }",
      variables: { i: input },
    }),
  });
  return await response.json();
}"""


def is_create(request: Any) -> bool:
    return request.method == "POST" and "createProgram" in (request.post_data or "")


async def number_boxes(page: Any) -> list[dict[str, float]]:
    return [await page.locator(f"#field-{name}").bounding_box() for name in NUMBER_FIELDS]


async def test_the_form_shows_every_error_at_once_in_its_own_words_and_refuses_fractions(
    open_page: tuple[OpenPage, Watch],
    database_url: str,
    redis_url: str,
    redis: Redis,
    make_token: UserMaker,
) -> None:
    new_page, _watch = open_page
    token = await make_token()
    async with running_api(settings_for(database_url, redis_url)) as api:
        page = await new_page()
        creates: list[Any] = []

        def note_create(request: Any) -> None:
            if is_create(request):
                creates.append(request)

        page.on("request", note_create)
        await page.goto(f"{api.base_url}/")
        await sign_in(page, token)
        await async_api.expect(page.locator("#program-list")).to_contain_text("No programs yet.")
        pull_up = page.locator('label.check:has(input[value="PULL_UP_BAR"])')
        await async_api.expect(pull_up).to_have_text("Pull-up bar")

        aligned = await number_boxes(page)
        await page.fill("#field-name", "  ")
        await page.fill("#field-daysPerWeek", "4.5")
        await page.fill("#field-weeks", "53")
        await page.click("#new-program button[type=submit]")

        expected = {
            "name": "Name must be 1 to 200 characters.",
            "daysPerWeek": "Days per week must be a whole number from 1 to 7.",
            "weeks": "Weeks must be from 1 to 52.",
        }
        for name, message in expected.items():
            await async_api.expect(page.locator(f'[data-error-for="{name}"]')).to_have_text(message)
            assert await page.get_attribute(f"#field-{name}", "aria-invalid") == "true"
        await async_api.expect(page.locator('[data-error-for="minutesPerSession"]')).to_have_text("")
        summary = page.locator("#form-errors")
        await async_api.expect(summary).to_have_attribute("role", "alert")
        await async_api.expect(summary.locator("li")).to_have_text(list(expected.values()))
        await async_api.expect(page.locator("#field-name")).to_be_focused()
        assert creates == []  # refused on the page: nothing was sent

        # Error lines under some fields only: the three inputs stay level and keep their size.
        now = await number_boxes(page)
        assert len({box["y"] for box in now}) == 1, now
        assert [box["height"] for box in now] == [box["height"] for box in aligned], (aligned, now)

        body = await page.evaluate(FRACTIONAL_DAYS, token)
        assert body.get("data") is None, body
        assert re.search(r"Int cannot represent non-integer value: 4\.5", json.dumps(body)), body
        creates.clear()  # that one was the test's own

        await page.fill("#field-name", "Whole weeks")
        await page.fill("#field-daysPerWeek", "4")
        await page.fill("#field-weeks", "4")
        await page.click("#new-program button[type=submit]")
        await page.wait_for_url(re.compile(r"/programs/\d+$"))
        assert (
            len(creates) == 1 and json.loads(creates[0].post_data)["variables"]["input"]["daysPerWeek"] == 4
        )


async def test_creating_a_program_shows_a_busy_disabled_button_until_it_exists(
    open_page: tuple[OpenPage, Watch],
    database_url: str,
    redis_url: str,
    redis: Redis,
    make_token: UserMaker,
) -> None:
    new_page, _watch = open_page
    token = await make_token()
    release = asyncio.Event()
    held: list[str] = []

    async def hold_create(route: Any) -> None:
        if is_create(route.request):
            held.append(route.request.url)
            await release.wait()  # the server is slow to answer, for as long as the test says
        await route.fallback()

    async with running_api(settings_for(database_url, redis_url)) as api:
        page = await new_page()
        await page.goto(f"{api.base_url}/")
        await sign_in(page, token)
        await page.route("**/graphql", hold_create)
        await page.fill("#field-name", "A year")
        await page.fill("#field-weeks", "52")
        submit = page.locator("#new-program button[type=submit]")
        await submit.click()
        await async_api.expect(submit).to_be_disabled()
        await async_api.expect(submit).to_have_text("Creating program…")
        await async_api.expect(submit).to_have_attribute("aria-busy", "true")
        await async_api.expect(page.locator("#form-busy")).to_have_text(
            "Creating the program: 52 weeks of sessions to lay out…"
        )
        await submit.click(force=True)  # a second click while busy sends nothing more
        assert len(held) == 1
        release.set()
        await page.wait_for_url(re.compile(r"/programs/\d+$"))
        await async_api.expect(page.locator("h1")).to_have_text("A year")
        assert len(held) == 1


async def test_regenerate_and_repair_are_disabled_with_a_reason_once_every_session_is_complete(
    open_page: tuple[OpenPage, Watch],
    database_url: str,
    redis_url: str,
    redis: Redis,
    library: None,
    make_token: UserMaker,
) -> None:
    new_page, _watch = open_page
    settings = settings_for(database_url, redis_url)
    token = await make_token(Role.ADMIN)
    async with running_api(settings) as api:
        program_id = await create_program(api, token, weeks=1, daysPerWeek=3)
        page = await new_page()
        await page.goto(f"{api.base_url}/programs/{program_id}")
        await sign_in(page, token)
        buttons = [page.locator("#regenerate-unfinished"), page.locator("#repair-program")]
        reason = page.locator("#actions-reason")
        await async_api.expect(page.locator('td.session[data-status="PENDING"]')).to_have_count(3)
        for button in buttons:  # unfinished: there is work for them
            await async_api.expect(button).to_be_enabled()
        await async_api.expect(reason).to_be_hidden()

        async with running_worker(settings):  # generation completes while the page watches
            await page.wait_for_function(ALL_COMPLETE, arg=3)
        text = "Every session is complete: there is nothing to regenerate or repair."
        await async_api.expect(reason).to_be_visible()
        await async_api.expect(reason).to_have_text(text)
        for button in buttons:
            await async_api.expect(button).to_be_disabled()
            await async_api.expect(button).to_have_attribute("title", text)
            await async_api.expect(button).to_have_accessible_description(text)


async def test_a_complete_session_without_exercises_leaves_repair_enabled_with_the_reason(
    open_page: tuple[OpenPage, Watch],
    database_url: str,
    redis_url: str,
    redis: Redis,
    library: None,
    make_token: UserMaker,
    session_factory: Factory,
) -> None:
    """Damaged as program 265's kind is: COMPLETE, no exercises. Only Repair can put it right."""
    new_page, _watch = open_page
    settings = settings_for(database_url, redis_url)
    admin = await make_token(Role.ADMIN)
    async with running_api(settings) as api:
        program_id = await create_program(api, admin, weeks=1, daysPerWeek=3)
        async with running_worker(settings):
            await wait_for(lambda: generation_finished(session_factory, program_id))
        async with session_factory() as db, db.begin():
            await db.execute(
                text(
                    "DELETE FROM session_exercises WHERE session_id = "
                    "(SELECT min(id) FROM sessions WHERE program_id = :p)"
                ),
                {"p": int(program_id)},
            )
        page = await new_page()
        await page.goto(f"{api.base_url}/programs/{program_id}")
        await sign_in(page, admin)
        await page.wait_for_function(ALL_COMPLETE, arg=3)
        regenerate, repair = page.locator("#regenerate-unfinished"), page.locator("#repair-program")
        reason = page.locator("#actions-reason")
        await async_api.expect(reason).to_have_text(
            "1 complete session has no exercises: Repair generates it."
        )
        await async_api.expect(repair).to_be_enabled()
        await async_api.expect(regenerate).to_be_disabled()
        await async_api.expect(regenerate).to_have_attribute(
            "title", "Every session is complete: there is nothing to regenerate."
        )

        async with running_worker(settings):
            await repair.click()
            await async_api.expect(page.locator("#action-message")).to_have_text("Repair queued 1 session.")
            await wait_for(lambda: exercises_everywhere(session_factory, program_id))
        # The page learns it from the session's live events, which follow the commit.
        await async_api.expect(reason).to_have_text(
            "Every session is complete: there is nothing to regenerate or repair.", timeout=TIMEOUT_MS
        )
        await async_api.expect(repair).to_be_disabled()


async def exercises_everywhere(factory: Factory, program_id: str) -> bool:
    async with factory() as db:
        empty = await db.scalar(
            text(
                "SELECT count(*) FROM sessions s WHERE s.program_id = :p "
                "AND s.generation_status = 'COMPLETE' "
                "AND NOT EXISTS (SELECT 1 FROM session_exercises e WHERE e.session_id = s.id)"
            ),
            {"p": int(program_id)},
        )
    return empty == 0
