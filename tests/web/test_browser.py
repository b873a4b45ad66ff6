"""The page in a real headless Chromium (Debian's ``chromium``, driven by Playwright; nothing
downloads a browser), against the real app under uvicorn, a real in-process arq worker and the
per-test PostgreSQL database. Every request to a host other than 127.0.0.1/localhost is aborted,
and each test asserts none was attempted."""

import re

from redis.asyncio import Redis
from sqlalchemy import text

from services.library.movement_library import seed_movement_library
from tests.api_client import UserMaker, running_api
from tests.program_requests import create_program
from tests.web.browser_support import (
    ALL_COMPLETE,
    ARTIFACTS,
    Factory,
    OpenPage,
    Watch,
    generation_finished,
    page_counts,
    require_browser,
    running_worker,
    settings_for,
    sign_in,
    statuses_in_db,
    wait_for,
)

async_api = require_browser()


async def test_create_a_program_watch_it_generate_and_read_a_session(
    open_page: tuple[OpenPage, Watch],
    database_url: str,
    redis_url: str,
    redis: Redis,
    library: None,
    make_token: UserMaker,
    session_factory: Factory,
) -> None:
    new_page, watch = open_page
    settings = settings_for(database_url, redis_url)
    token = await make_token()
    async with running_api(settings) as api:
        page = await new_page()
        await page.goto(f"{api.base_url}/")
        error = page.locator("#page-error")
        await async_api.expect(error).to_contain_text("No API token yet")
        await sign_in(page, "lp_not-a-real-token")
        await async_api.expect(error).to_contain_text("not accepted (UNAUTHENTICATED)")
        await sign_in(page, token)
        await async_api.expect(page.locator("#program-list")).to_contain_text("No programs yet.")

        # The server's validation shows next to the field it names, in the form's words.
        await page.fill("#field-name", "Browser block <b>not bold</b>")
        await page.fill("#field-startDate", "1900-01-01")
        await page.click("#new-program button[type=submit]")
        await async_api.expect(page.locator('[data-error-for="startDate"]')).to_contain_text(
            re.compile(r"^Start date must be \d{4}-\d\d-\d\d to ")
        )
        assert await page.get_attribute("#field-startDate", "aria-invalid") == "true"
        await page.fill("#field-startDate", "")

        await page.fill("#field-weeks", "2")
        await page.fill("#field-daysPerWeek", "3")
        await page.click("#new-program button[type=submit]")
        await page.wait_for_url(re.compile(r"/programs/\d+$"))
        program_id = page.url.rsplit("/", 1)[1]
        await async_api.expect(page.locator("h1")).to_have_text("Browser block <b>not bold</b>")  # as text

        # No worker yet: six PENDING cells, live-connected. Then generation runs; cells follow.
        await async_api.expect(page.locator('td.session[data-status="PENDING"]')).to_have_count(6)
        banner = page.locator("#connection-banner")
        await async_api.expect(banner).to_have_attribute("data-state", "connected")
        async with running_worker(settings):
            await page.wait_for_function(ALL_COMPLETE, arg=6)
        assert set((await statuses_in_db(session_factory, program_id)).values()) == {"COMPLETE"}
        assert await page_counts(page) == {
            "countTotal": "6",
            "countPending": "0",
            "countInProgress": "0",
            "countComplete": "6",
            "countFailed": "0",
        }
        assert watch.documents == [f"{api.base_url}/"]  # one page load: no reload, no navigation
        await async_api.expect(page.locator("#repair-program")).to_have_count(0)  # a coach: no Repair

        # Click a session: its workout, in order, as stored.
        first = page.locator("td.session").first
        session_id = await first.get_attribute("data-session-id")
        await first.click()
        details = page.locator("#session-details")
        await async_api.expect(details).to_be_visible()
        await async_api.expect(details).to_have_attribute("data-session-id", session_id or "")
        async with session_factory() as db:
            expected = list(
                (
                    await db.execute(
                        text(
                            "SELECT m.name FROM session_exercises e JOIN movements m ON m.id = e.movement_id "
                            "WHERE e.session_id = :s ORDER BY e.position"
                        ),
                        {"s": int(session_id or 0)},
                    )
                ).scalars()
            )
        assert expected
        await async_api.expect(details.locator(".exercise-name")).to_have_text(expected)
        facts = await details.locator(".exercise-facts").first.inner_text()
        assert re.search(r"\d+ \u00d7 \d+(\u2013\d+)? reps", facts), facts  # sets x reps

        # Keyboard: the focused cell moves with the arrows; Enter opens the session under it.
        await first.focus()
        await page.keyboard.press("ArrowRight")
        await page.keyboard.press("ArrowDown")
        focused = await page.evaluate("() => document.activeElement.dataset.sessionId")
        target = page.locator('td.session[data-week="2"][data-day="2"]')
        assert focused == await target.get_attribute("data-session-id")
        assert await target.get_attribute("tabindex") == "0" and await first.get_attribute("tabindex") == "-1"
        await page.keyboard.press("Enter")
        await async_api.expect(details).to_have_attribute("data-session-id", focused)
        await async_api.expect(details.locator(".exercise").first).to_be_visible()
        await page.keyboard.press("Escape")
        await async_api.expect(details).to_be_hidden()
        await first.click()
        await async_api.expect(details.locator(".exercise-name")).to_have_text(expected)

        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "program-page.png"), full_page=True)

        # A phone-width screen: the page itself does not scroll sideways (the grid may, inside).
        await page.set_viewport_size({"width": 375, "height": 800})
        assert await page.evaluate("() => document.documentElement.scrollWidth") <= 375
        await page.screenshot(path=str(ARTIFACTS / "program-page-375px.png"), full_page=True)


async def test_failed_sessions_show_their_reason_and_are_regenerated_from_the_page(
    open_page: tuple[OpenPage, Watch],
    database_url: str,
    redis_url: str,
    redis: Redis,
    library: None,
    make_token: UserMaker,
    session_factory: Factory,
) -> None:
    new_page, _watch = open_page
    settings = settings_for(database_url, redis_url)
    token = await make_token()
    # A library of arm and calf isolation work only: sessions draft from the library (issue 15), so
    # full-body days A and B (a biceps, a triceps and a calf slot each) complete and day C (one
    # triceps slot of those) fails, naming the patterns it found nothing for.
    async with session_factory() as db, db.begin():
        await db.execute(
            text(
                "DELETE FROM movements WHERE pattern NOT IN ('biceps', 'triceps', 'calves') "
                "AND id NOT IN (SELECT movement_id FROM session_exercises)"
            )
        )
    async with running_api(settings) as api, running_worker(settings):
        program_id = await create_program(api, token, weeks=2, daysPerWeek=3)
        await wait_for(
            lambda: generation_finished(
                session_factory, program_id
            )  # generation ran its course in the worker
        )
        statuses = await statuses_in_db(session_factory, program_id)
        failed = sorted(sid for sid, status in statuses.items() if status == "FAILED")
        assert failed and len(failed) < len(statuses), statuses  # some fail, some do not
        async with session_factory() as db:
            reason = await db.scalar(
                text("SELECT generation_error FROM sessions WHERE id = :s"), {"s": int(failed[0])}
            )
        assert reason

        page = await new_page()
        await page.goto(f"{api.base_url}/programs/{program_id}")
        await sign_in(page, token)
        for sid, status in statuses.items():
            await async_api.expect(page.locator(f'td[data-session-id="{sid}"]')).to_have_attribute(
                "data-status", status
            )
        cell = page.locator(f'td[data-session-id="{failed[0]}"]')
        await async_api.expect(cell).to_contain_text("Failed")  # in words, not only in red
        assert (await page_counts(page))["countFailed"] == str(len(failed))

        await cell.click()
        details = page.locator("#session-details")
        await async_api.expect(details.locator("[data-generation-error]")).to_contain_text(reason)
        await async_api.expect(details.locator(".exercise")).to_have_count(0)
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "program-page-failed.png"), full_page=True)

        async with session_factory() as db, db.begin():  # the library is whole again
            await seed_movement_library(db)
        await details.locator("#regenerate-session").click()
        await async_api.expect(cell).to_have_attribute("data-status", "COMPLETE")
        # The open panel refreshes by itself when its session completes.
        await async_api.expect(details.locator("[data-generation-error]")).to_have_count(0)
        await async_api.expect(details.locator(".exercise").first).to_be_visible()

        assert len(failed) > 1, failed  # so that one is left for "Regenerate unfinished"
        await page.click("#regenerate-unfinished")
        await async_api.expect(page.locator("#action-message")).to_contain_text(f"{len(failed) - 1} session")
        await page.wait_for_function(ALL_COMPLETE, arg=6)
        assert set((await statuses_in_db(session_factory, program_id)).values()) == {"COMPLETE"}
        counts = await page_counts(page)
        assert (counts["countComplete"], counts["countFailed"]) == ("6", "0")
