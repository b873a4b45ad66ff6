"""The page in a real browser when the server drops its WebSocket: it reconnects and resumes from the
last event it saw (the browser set-up is tests/web/browser_support.py's)."""

from collections.abc import Awaitable
from contextlib import AsyncExitStack

import httpx
from redis.asyncio import Redis

from core.embedded_redis import free_port
from core.servers import ServerUrls
from tests.api_client import Api, UserMaker
from tests.chaos import SLOW_WRITES, install_exercise_trigger
from tests.program_requests import create_program
from tests.web.browser_support import (
    ALL_COMPLETE,
    Factory,
    OpenPage,
    Watch,
    at_least,
    page_counts,
    require_browser,
    running_worker,
    serving,
    settings_for,
    sign_in,
    socket_messages,
    statuses_in_db,
    wait_for,
)
from web.app import create_app

async_api = require_browser()


async def test_the_page_resumes_after_the_server_drops_its_websocket(
    open_page: tuple[OpenPage, Watch],
    database_url: str,
    redis_url: str,
    redis: Redis,
    library: None,
    make_token: UserMaker,
    session_factory: Factory,
) -> None:
    new_page, watch = open_page
    settings = settings_for(database_url, redis_url, worker_max_jobs=2)
    token = await make_token()
    await install_exercise_trigger(session_factory, SLOW_WRITES)  # about 0.3 s a session, two at a time
    assert settings.database_url and settings.redis_url
    app = create_app(settings, ServerUrls(settings.database_url, settings.redis_url, embedded=False))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    total = 15

    def page_complete() -> Awaitable[int]:
        return page.locator('td.session[data-status="COMPLETE"]').count()

    async def db_complete() -> int:
        return list((await statuses_in_db(session_factory, program_id)).values()).count("COMPLETE")

    page = await new_page()
    banner = page.locator("#connection-banner")
    async with AsyncExitStack() as worker:  # the worker outlives the first server
        async with serving(app, port) as server:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
                program_id = await create_program(Api(base_url, client), token, weeks=5, daysPerWeek=3)
            await page.goto(f"{base_url}/programs/{program_id}")
            await sign_in(page, token)
            await async_api.expect(page.locator('td.session[data-status="PENDING"]')).to_have_count(total)
            await async_api.expect(banner).to_have_attribute("data-state", "connected")
            await async_api.expect(banner).to_be_hidden()
            # Generation starts only now, so every COMPLETE the page shows came as a live event.
            await worker.enter_async_context(running_worker(settings))
            await wait_for(lambda: at_least(page_complete, 2))
            server.should_exit = True  # the block's exit waits for uvicorn to stop

        # Server gone mid-generation: the banner says so; the worker carries on regardless.
        await async_api.expect(banner).to_be_visible()
        await async_api.expect(banner).to_have_text("Disconnected — reconnecting…")
        assert await banner.get_attribute("role") == "status"
        seen_before_restart = await page_complete()
        await wait_for(lambda: at_least(db_complete, seen_before_restart + 2))
        assert await db_complete() < total, "generation finished before the restart: slow it down more"
        assert await page_complete() == seen_before_restart  # nothing arrives while disconnected

        async with serving(app, port):  # the same app on the same port
            await async_api.expect(banner).to_be_hidden()
            await page.wait_for_function(ALL_COMPLETE, arg=total)
            assert await db_complete() == total
            counts = await page_counts(page)
            assert (counts["countComplete"], counts["countTotal"]) == (str(total), str(total))

        sent = await socket_messages(page)
    subscribes = [m["payload"]["variables"] for m in sent if m.get("type") == "subscribe"]
    assert subscribes[0] == {"programId": program_id, "after": None}
    assert len(subscribes) >= 2 and all(v["after"] for v in subscribes[1:]), subscribes  # resumed
    assert watch.documents == [f"{base_url}/programs/{program_id}"]  # never reloaded
    assert await page.evaluate(RESUME_CURSOR_RULES) == [None, None, "5-0", "5-0", "6-0", "6-0", None, "7-0"]


# The page resumes only after a cursor it has every event up to: a snapshot cut short by a drop
# (3 sessions, all sharing one cursor) must not be resumed from, a live event's cursor is kept
# once the next one arrives, and each (re)subscription starts counting afresh.
RESUME_CURSOR_RULES = """async () => {
  const { resumeCursor } = await import("/static/app/cursor.js");
  const c = resumeCursor(3), seen = [];
  c.seen("5-0"); seen.push(c.after);
  c.seen("5-0"); seen.push(c.after);
  c.seen("5-0"); seen.push(c.after);
  c.seen("6-0"); seen.push(c.after);
  c.seen("7-0"); seen.push(c.after);
  c.restart(); c.seen("9-0"); seen.push(c.after);
  const fresh = resumeCursor(3);
  fresh.seen("7-0"); fresh.seen("7-0"); seen.push(fresh.after);
  fresh.seen("7-0"); seen.push(fresh.after);
  return seen;
}"""
