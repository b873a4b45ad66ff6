"""The program page's layout in a real Chromium, on a desktop (1280 x 800) and a phone (390 x 844):
a clicked cell and the session panel are both on screen, a 6-day week fits the desktop's width,
and on the phone the token bar folds away and the week column stays while the days scroll."""

from typing import Any

from redis.asyncio import Redis

from tests.api_client import UserMaker, running_api
from tests.program_requests import create_program
from tests.web.browser_support import (
    ALL_COMPLETE,
    ARTIFACTS,
    OpenPage,
    Watch,
    require_browser,
    running_worker,
    settings_for,
    sign_in,
)

async_api = require_browser()
DESKTOP = (1280, 800)
PHONE = (390, 844)
WEEKS, DAYS = 12, 6
WIDEST_STATUS_EVERYWHERE = """() => {
  const labels = document.querySelectorAll("td.session .status > span");
  for (const label of labels) label.textContent = "In progress";
}"""


async def box(page: Any, selector: str) -> dict[str, float]:
    found = await page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not rendered"
    return found


def inside(b: dict[str, float], size: tuple[int, int]) -> bool:
    width, height = size
    return b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= width and b["y"] + b["height"] <= height


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


async def open_cell(page: Any, week: int, day: int, size: tuple[int, int]) -> None:
    """Click the cell, wait for its workout; then it and the whole panel are on screen, apart."""
    cell = f'td.session[data-week="{week}"][data-day="{day}"]'
    await page.click(cell)
    details = page.locator("#session-details")
    await async_api.expect(details).to_have_attribute(
        "data-session-id", await page.get_attribute(cell, "data-session-id")
    )
    await async_api.expect(details.locator(".exercise").first).to_be_visible()
    cell_box, panel_box = await box(page, cell), await box(page, "#session-details")
    assert inside(cell_box, size), (f"week {week} cell off screen", cell_box, size)
    assert inside(panel_box, size), (f"panel off screen after week {week}", panel_box, size)
    assert not overlap(cell_box, panel_box), ("the panel covers the cell", cell_box, panel_box)


async def grid_fits(page: Any) -> bool:
    return await page.eval_on_selector(".grid-scroll", "(n) => n.scrollWidth <= n.clientWidth")


async def generated_program(settings: Any, api: Any, token: str, page: Any) -> str:
    program_id = await create_program(api, token, weeks=WEEKS, daysPerWeek=DAYS, name="Strength block")
    async with running_worker(settings):
        await page.goto(f"{api.base_url}/programs/{program_id}")
        await sign_in(page, token)
        await page.wait_for_function(ALL_COMPLETE, arg=WEEKS * DAYS, timeout=60_000)
    return program_id


async def test_on_a_desktop_six_days_fit_and_the_panel_stays_beside_the_clicked_cell(
    open_page: tuple[OpenPage, Watch],
    database_url: str,
    redis_url: str,
    redis: Redis,
    library: None,
    make_token: UserMaker,
) -> None:
    new_page, _watch = open_page
    settings = settings_for(database_url, redis_url)
    token = await make_token()
    async with running_api(settings) as api:
        page = await new_page(*DESKTOP)
        await generated_program(settings, api, token, page)

        # The last week, far below the top of the page: its cell and the panel are both on screen.
        await open_cell(page, 12, 1, DESKTOP)
        await open_cell(page, 1, 1, DESKTOP)
        await open_cell(page, 9, 3, DESKTOP)

        # Every day of the week is on screen without scrolling sideways, panel open or closed.
        assert await grid_fits(page), "the 6-day grid is cut on a 1280 px screen with the panel open"
        await page.click("#close-details")
        assert await grid_fits(page), "the 6-day grid is cut on a 1280 px screen"
        day_6 = await box(page, 'table.grid thead th:has-text("Day 6")')
        assert day_6["x"] + day_6["width"] <= DESKTOP[0], day_6
        await page.click('td.session[data-week="1"][data-day="1"]')
        await page.evaluate(WIDEST_STATUS_EVERYWHERE)  # as in mid-generation, at its widest
        assert await grid_fits(page), "the 6-day grid is cut once cells read 'In progress'"
        await page.reload()
        await page.wait_for_function(ALL_COMPLETE, arg=WEEKS * DAYS)

        # The README's screenshot: the top of the page with a session open.
        await page.evaluate("() => window.scrollTo(0, 0)")
        await page.click('td.session[data-week="2"][data-day="1"]')
        await async_api.expect(page.locator("#session-details .exercise").first).to_be_visible()
        await page.evaluate("() => window.scrollTo(0, 0)")
        await page.mouse.move(DESKTOP[0] - 1, DESKTOP[1] - 1)  # no hover on a cell
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "readme-page.png"))


async def test_on_a_phone_the_token_bar_folds_the_week_column_stays_and_the_panel_docks_below(
    open_page: tuple[OpenPage, Watch],
    database_url: str,
    redis_url: str,
    redis: Redis,
    library: None,
    make_token: UserMaker,
) -> None:
    new_page, _watch = open_page
    settings = settings_for(database_url, redis_url)
    token = await make_token()
    async with running_api(settings) as api:
        page = await new_page(*PHONE)
        await page.goto(f"{api.base_url}/")
        # No token yet: the token form is open. Saved: it folds behind one button.
        toggle = page.locator("#token-toggle")
        await async_api.expect(page.locator("#token-input")).to_be_visible()
        await async_api.expect(toggle).to_have_attribute("aria-expanded", "true")
        await generated_program(settings, api, token, page)
        await async_api.expect(page.locator("#token-input")).to_be_hidden()
        await async_api.expect(toggle).to_have_attribute("aria-expanded", "false")
        header = await box(page, ".site-header")
        assert header["height"] <= 64, f"the header takes {header['height']} px of a phone's screen"
        await toggle.click()
        await async_api.expect(page.locator("#token-input")).to_be_visible()
        await async_api.expect(page.locator("#token-input")).to_be_focused()
        await toggle.click()
        await async_api.expect(page.locator("#token-input")).to_be_hidden()

        # The days scroll sideways inside the grid; the week column stays at its left edge.
        assert await page.evaluate("() => document.documentElement.scrollWidth") <= PHONE[0]
        scroller = await box(page, ".grid-scroll")
        scrolled = await page.eval_on_selector(
            ".grid-scroll", "(n) => { n.scrollLeft = n.scrollWidth; return n.scrollLeft; }"
        )
        assert scrolled > 0, "the grid does not scroll sideways: nothing to check"
        for selector in (
            'table.grid tbody tr:first-child th[scope="row"]',
            "table.grid thead th:first-child",
        ):
            week = await box(page, selector)
            assert abs(week["x"] - scroller["x"]) <= 6, (selector, week, scroller)
        await page.eval_on_selector(".grid-scroll", "(n) => { n.scrollLeft = 0; }")

        # The panel docks at the bottom while the grid is scrolled past: both stay on screen.
        await open_cell(page, 1, 1, PHONE)
        await open_cell(page, 6, 2, PHONE)
        await open_cell(page, 12, 1, PHONE)
        await open_cell(page, 2, 1, PHONE)
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "program-page-phone.png"))
