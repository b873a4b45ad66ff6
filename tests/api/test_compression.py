"""Large responses are gzipped for clients that accept it, and plain for those that do not: the
GraphiQL bundle, a 12-week program view (fresh and from the response cache), the page and
``/metrics``; small ones stay plain either way."""

import gzip
from typing import Any

import httpx

from core.settings import Settings
from tests.api_client import Api
from tests.program_requests import PROGRAM_VIEW, create_program
from tests.workers import run_worker_until_idle
from web.app import GZIP_MIN_BYTES, STATIC_DIR

GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}


async def raw(client: httpx.AsyncClient, method: str, url: str, **options: Any) -> httpx.Response:
    """The response with its body as sent (``content`` not decoded by httpx)."""
    async with client.stream(method, url, **options) as response:
        response._content = b"".join([chunk async for chunk in response.aiter_raw()])
    return response


def gzipped(response: httpx.Response) -> bytes:
    """The body of a gzipped response, decoded."""
    assert response.status_code == 200, response.status_code
    assert response.headers.get("content-encoding") == "gzip", dict(response.headers)
    assert "accept-encoding" in response.headers.get("vary", "").lower()
    return gzip.decompress(response.content)


def plain(response: httpx.Response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert "content-encoding" not in response.headers, dict(response.headers)
    return response.content


async def test_the_graphiql_bundle_is_gzipped_only_for_clients_that_accept_it(api: Api) -> None:
    bundle = (STATIC_DIR / "graphiql" / "graphiql.min.js").read_bytes()
    url = "/static/graphiql/graphiql.min.js"

    compressed = await raw(api.client, "GET", url, headers=GZIP)
    uncompressed = await raw(api.client, "GET", url, headers=PLAIN)

    assert gzipped(compressed) == bundle
    assert len(compressed.content) < len(bundle) / 3  # 3.5 MB -> about 0.73 MB
    assert plain(uncompressed) == bundle
    print(f"GraphiQL bundle: {len(bundle)} -> {len(compressed.content)} bytes gzipped")


async def test_a_12_week_program_view_is_gzipped_fresh_and_from_the_cache(
    api: Api, token: str, library: None, api_settings: Settings
) -> None:
    program_id = await create_program(api, token, weeks=12, daysPerWeek=6)
    await run_worker_until_idle(api_settings)

    async def view(encoding: dict[str, str]) -> httpx.Response:
        query = {"query": PROGRAM_VIEW, "variables": {"id": program_id}}
        return await raw(
            api.client,
            "POST",
            "/graphql",
            json=query,
            headers={"Authorization": f"Bearer {token}", **encoding},
        )

    fresh = await view(GZIP)
    cached_plain = await view(PLAIN)
    cached = await view(GZIP)

    body = plain(cached_plain)
    assert len(body) > 50_000 and b'"generationStatus":"COMPLETE"' in body
    assert body.count(b'"dayIndex"') == 72  # every session of the 12 weeks
    assert gzipped(fresh) == body
    assert gzipped(cached) == body
    assert len(cached.content) < len(body) / 5
    print(f"12-week program view: {len(body)} -> {len(cached.content)} bytes gzipped")


async def test_the_page_and_metrics_are_gzipped_and_small_answers_stay_plain(api: Api) -> None:
    page = plain(await raw(api.client, "GET", "/", headers=PLAIN))
    assert len(page) >= GZIP_MIN_BYTES
    assert gzipped(await raw(api.client, "GET", "/", headers=GZIP)) == page

    metrics = gzipped(await raw(api.client, "GET", "/metrics", headers=GZIP)).decode()
    assert "liftplan_open_websockets" in metrics  # still the Prometheus text, only compressed

    health = await raw(api.client, "GET", "/healthz", headers=GZIP)
    assert len(plain(health)) < GZIP_MIN_BYTES  # below the threshold: not worth compressing
