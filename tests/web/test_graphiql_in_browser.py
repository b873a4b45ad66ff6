"""GraphiQL in a real browser with no network beyond loopback, and the embedded demo's page (the
browser set-up is tests/web/browser_support.py's)."""

from urllib.parse import quote

import httpx
from redis.asyncio import Redis

from core.embedded_redis import free_port
from core.servers import ServerUrls
from models import Role
from tests.api_client import Api, UserMaker
from tests.program_requests import create_program
from tests.web.browser_support import (
    OpenPage,
    Watch,
    require_browser,
    serving,
    settings_for,
    socket_messages,
)
from web.app import create_app

async_api = require_browser()


async def test_graphiql_offline_and_the_embedded_demo_page(
    open_page: tuple[OpenPage, Watch],
    database_url: str,
    redis_url: str,
    redis: Redis,
    make_token: UserMaker,
) -> None:
    new_page, _watch = open_page
    settings = settings_for(database_url, redis_url)
    token = await make_token(Role.ADMIN)
    assert settings.database_url and settings.redis_url
    app = create_app(
        settings, ServerUrls(settings.database_url, settings.redis_url, embedded=False), demo_token=token
    )
    async with serving(app, free_port()) as server:
        base_url = f"http://127.0.0.1:{server.config.port}"
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            program_id = await create_program(Api(base_url, client), token, weeks=1, daysPerWeek=2)
        page = await new_page()

        query = "query Who { viewer { email role } }"
        await page.goto(f"{base_url}/graphql?q={quote(query)}")
        editor = page.locator(".graphiql-query-editor .CodeMirror")
        await async_api.expect(editor).to_be_visible()
        await async_api.expect(page.get_by_text("Loading...")).to_have_count(0)
        await async_api.expect(page.locator(".graphiql-editor-tool .CodeMirror").first).to_be_attached()
        await page.click(".graphiql-execute-button")
        response = page.locator(".graphiql-response")
        await async_api.expect(response).to_contain_text('"role": "ADMIN"')

        subscription = (
            f'subscription Watch {{ sessionStatusChanged(programId: "{program_id}") {{ sessionId status }} }}'
        )
        await page.goto(f"{base_url}/graphql?q={quote(subscription)}")
        await async_api.expect(editor).to_be_visible()
        await page.click(".graphiql-execute-button")
        await async_api.expect(response).to_contain_text('"status": "PENDING"')
        await async_api.expect(response).to_contain_text('"sessionStatusChanged"')
        sent = await socket_messages(page)  # over the WebSocket, with the pre-filled headers
        assert [m["payload"] for m in sent if m["type"] == "connection_init"] == [
            {"Authorization": f"Bearer {token}"}
        ]
        assert any(m["type"] == "subscribe" and "sessionStatusChanged" in m["payload"]["query"] for m in sent)

        # The page of the same embedded-demo app: the demo token is pre-filled, and an admin may Repair.
        await page.goto(f"{base_url}/programs/{program_id}")
        await async_api.expect(page.locator("#token-input")).to_have_value(token)
        await async_api.expect(page.locator("td.session")).to_have_count(2)
        await page.click("#repair-program")
        await async_api.expect(page.locator("#action-message")).to_have_text("Repair queued 2 sessions.")
