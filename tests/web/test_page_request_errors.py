"""The page in a real Chromium when a mutation is refused for the request rather than for its input:
a token revoked after signing in is a top-level UNAUTHENTICATED error (as for a query), and the form
says so in words, not "The request failed"."""

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Role
from services.access.users import create_user, revoke_token
from tests.api_client import running_api
from tests.web.browser_support import OpenPage, Watch, require_browser, settings_for, sign_in

async_api = require_browser()
EMAIL = "page-errors@example.com"


async def test_a_create_with_a_token_revoked_since_signing_in_says_the_token_was_not_accepted(
    open_page: tuple[OpenPage, Watch],
    database_url: str,
    redis_url: str,
    redis: Redis,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    new_page, _watch = open_page
    async with session_factory() as db, db.begin():
        _, token = await create_user(db, EMAIL, "Page errors", Role.COACH)
    async with running_api(settings_for(database_url, redis_url)) as api:
        page = await new_page()
        await page.goto(f"{api.base_url}/")
        await sign_in(page, token)
        await async_api.expect(page.locator("#program-list")).to_contain_text("No programs yet.")
        # Given the token revoked while the page is open,
        async with session_factory() as db, db.begin():
            await revoke_token(db, EMAIL)
        # when the form is sent,
        await page.fill("#field-name", "Too late")
        await page.click("#new-program button[type=submit]")
        # then the form says why, in words, and no field is blamed.
        await async_api.expect(page.locator("#form-error")).to_contain_text(
            "Your API token was not accepted (UNAUTHENTICATED)"
        )
        await async_api.expect(page.locator("#form-errors")).to_be_hidden()
