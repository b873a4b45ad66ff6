"""CORS_ORIGINS: pages from the listed origins may call the API; any other origin, and every
origin while the setting is empty (the default), gets no ``Access-Control-*`` header at all."""

import httpx
import pytest

from core.settings import Settings
from tests.api_client import running_api

ALLOWED = "https://app.example.com"
STRANGER = "https://evil.example.net"
VIEWER = {"query": "{ __typename }"}


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


async def test_a_listed_origin_is_allowed_and_any_other_gets_no_cors_header(
    api_settings: Settings, redis: object
) -> None:
    settings = api_settings.model_copy(update={"cors_origins": [ALLOWED, "http://localhost:5173"]})
    async with running_api(settings) as api:
        allowed = await api.client.options("/graphql", headers=preflight(ALLOWED))
        refused = await api.client.options("/graphql", headers=preflight(STRANGER))
        answer = await api.client.post("/graphql", json=VIEWER, headers={"Origin": ALLOWED})
        stranger_answer = await api.client.post("/graphql", json=VIEWER, headers={"Origin": STRANGER})

    assert allowed.status_code == 200
    granted = cors_headers(allowed)
    assert granted["access-control-allow-origin"] == ALLOWED
    assert set(granted["access-control-allow-methods"].split(", ")) == {"GET", "POST"}
    assert {"authorization", "content-type"} <= set(
        granted["access-control-allow-headers"].lower().split(", ")
    )
    assert int(granted["access-control-max-age"]) > 0
    assert "access-control-allow-credentials" not in granted  # tokens are headers, not cookies

    assert answer.status_code == 200 and answer.json() == {"data": {"__typename": "Query"}}
    assert answer.headers["access-control-allow-origin"] == ALLOWED
    assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()
    assert "origin" in answer.headers["vary"].lower()

    assert refused.status_code == 400
    assert cors_headers(refused) == {}
    assert stranger_answer.status_code == 200  # answered; the browser keeps the page from reading it
    assert cors_headers(stranger_answer) == {}
    assert "origin" in stranger_answer.headers["vary"].lower()  # a cache must not reuse it elsewhere


async def test_without_the_setting_there_is_no_cors_and_a_preflight_is_refused(
    api_settings: Settings, redis: object
) -> None:
    assert api_settings.cors_origins == []  # off by default
    async with running_api(api_settings) as api:
        refused = await api.client.options("/graphql", headers=preflight(ALLOWED))
        answer = await api.client.post("/graphql", json=VIEWER, headers={"Origin": ALLOWED})

    assert refused.status_code == 405  # the route serves GET and POST only
    assert set(refused.headers["allow"].split(", ")) == {"HEAD", "GET", "POST"}
    assert cors_headers(refused) == {}
    assert answer.status_code == 200
    assert cors_headers(answer) == {}


def test_cors_origins_reads_a_comma_separated_or_json_list_and_refuses_a_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", f" {ALLOWED}, http://localhost:5173 ,")
    assert Settings().cors_origins == [ALLOWED, "http://localhost:5173"]
    monkeypatch.setenv("CORS_ORIGINS", f'["{ALLOWED}"]')
    assert Settings().cors_origins == [ALLOWED]
    monkeypatch.setenv("CORS_ORIGINS", "")
    assert Settings().cors_origins == []
    for wrong in (f"{ALLOWED}/", "app.example.com", f"{ALLOWED}/graphql"):
        monkeypatch.setenv("CORS_ORIGINS", wrong)
        with pytest.raises(ValueError, match="is not an origin"):
            Settings()
