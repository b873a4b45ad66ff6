"""What the browser tests share: Debian's headless Chromium driven by Playwright (nothing
downloads a browser), a page whose every request to a host other than 127.0.0.1/localhost is
aborted (and recorded, so each test can assert none was attempted), the real app under uvicorn,
a real in-process arq worker, and small readers of what the page shows."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from core.settings import Settings
from jobs.in_process_worker import stop_worker
from jobs.worker import build_worker
from tests.waiting import eventually
from web.websocket_protocol import UVICORN_WS_OPTIONS

CHROMIUM = Path("/usr/bin/chromium")


def require_browser() -> Any:
    """Playwright's async API; skips the calling test module when Chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium not found at /usr/bin/chromium: apt-get install chromium", allow_module_level=True
        )
    return pytest.importorskip(
        "playwright.async_api", reason="Playwright for Python is not installed: pip install -e '.[dev]'"
    )


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 20_000
Factory = async_sessionmaker[AsyncSession]

# Every text message the page sends on a WebSocket, kept for the test to read.
RECORD_SOCKET_MESSAGES = """
window.__socketMessages = [];
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  if (typeof data === "string") window.__socketMessages.push(JSON.parse(data));
  return send.call(this, data);
};
"""

ALL_COMPLETE = """(n) => {
  const cells = [...document.querySelectorAll('td.session')];
  return cells.length === n && cells.every((c) => c.dataset.status === 'COMPLETE');
}"""


def is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in LOOPBACK


@dataclass
class Watch:
    """What the pages of one test did that they should not have."""

    blocked: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)  # full page loads (a reload shows up here)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async_api = require_browser()
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


OpenPage = Callable[..., Awaitable[Any]]


@pytest.fixture
async def open_page(browser: Any) -> AsyncIterator[tuple[OpenPage, Watch]]:
    """A new page in a fresh context with every non-loopback request aborted (and recorded)."""
    watch = Watch()
    contexts: list[Any] = []

    async def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or is_loopback(url):
            await route.continue_()
        else:
            watch.blocked.append(url)
            await route.abort()

    async def guard_socket(ws: Any) -> None:
        watch.blocked.append(ws.url)
        await ws.close()

    async def new_page(width: int = 1280, height: int = 900) -> Any:
        context = await browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT_MS)
        await context.add_init_script(RECORD_SOCKET_MESSAGES)
        contexts.append(context)
        page = await context.new_page()
        await page.route("**/*", guard)
        await page.route_web_socket(lambda url: not is_loopback(url), guard_socket)
        page.on("pageerror", lambda error: watch.page_errors.append(str(error)))

        def note_document(request: Any) -> None:
            if request.resource_type == "document":
                watch.documents.append(request.url)

        page.on("request", note_document)
        return page

    yield new_page, watch
    for context in contexts:
        await context.close()
    assert watch.blocked == [], f"requests left the machine: {watch.blocked}"
    assert watch.page_errors == [], watch.page_errors


@asynccontextmanager
async def running_worker(settings: Settings) -> AsyncIterator[None]:
    """A real arq worker polling the test Redis, in this event loop, for the length of the block."""
    assert settings.database_url and settings.redis_url
    worker = build_worker(settings, settings.database_url, settings.redis_url, handle_signals=False)
    task = asyncio.create_task(worker.async_run())
    try:
        yield
    finally:
        await stop_worker(worker, task)


@asynccontextmanager
async def serving(app: Starlette, port: int) -> AsyncIterator[uvicorn.Server]:
    """``app`` under uvicorn on 127.0.0.1:``port`` until the block ends (or ``should_exit``)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, **UVICORN_WS_OPTIONS)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        if task.done():
            task.result()  # raises what stopped it
            raise AssertionError("uvicorn exited before it started")
        return bool(server.started)

    await eventually(started, timeout=30, interval=0.01, what="uvicorn started")
    try:
        yield server
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


def settings_for(database_url: str, redis_url: str, **overrides: Any) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        worker_poll_delay_s=0.01,
        generation_retry_base_s=0.05,
        **overrides,
    )


async def sign_in(page: Any, token: str) -> None:
    await page.fill("#token-input", token)
    await page.click("#token-form button[type=submit]")


async def statuses_in_db(factory: Factory, program_id: str) -> dict[str, str]:
    async with factory() as db:
        rows = await db.execute(
            text("SELECT id::text, generation_status::text FROM sessions WHERE program_id = :p"),
            {"p": int(program_id)},
        )
        return dict(rows.all())


async def generation_finished(factory: Factory, program_id: str) -> bool:
    """Every session of the program has ended (COMPLETE or FAILED), as PostgreSQL has it."""
    statuses = await statuses_in_db(factory, program_id)
    return bool(statuses) and not {"PENDING", "IN_PROGRESS"} & set(statuses.values())


async def at_least(count: Callable[[], Awaitable[int]], n: int) -> bool:
    return await count() >= n


async def wait_for(condition: Callable[[], Awaitable[bool]], timeout_s: float = 20) -> None:
    """``tests.waiting.eventually`` for a page condition (True when met)."""

    async def met() -> bool | None:
        return await condition() or None

    await eventually(met, timeout=timeout_s, interval=0.05, what="the page's condition")


async def socket_messages(page: Any) -> list[dict[str, Any]]:
    return await page.evaluate("() => window.__socketMessages")


async def page_counts(page: Any) -> dict[str, str]:
    return await page.eval_on_selector(
        "#progress",
        "(n) => Object.fromEntries(Object.entries(n.dataset).filter(([k]) => k.startsWith('count')))",
    )
