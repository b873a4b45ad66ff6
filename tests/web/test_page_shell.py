"""The page's shell and modules as the app serves them (no browser, no database): the HTML for
``/`` and ``/programs/<id>`` with its configuration, and every module it imports, all local."""

import json
import re
from pathlib import Path

import httpx
import pytest

from core.servers import ServerUrls
from core.settings import Settings
from web.app import create_app

APP_DIR = Path(__file__).resolve().parents[2] / "web" / "static" / "app"
CONFIG = re.compile(r'<script id="liftplan-config" type="application/json">(.*?)</script>', re.DOTALL)
IMPORT = re.compile(r'^import [^;]*? from "(\./[^"]+)";', re.MULTILINE)
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def client(demo_token: str | None = None) -> httpx.AsyncClient:
    """The app in-process; nothing here touches PostgreSQL or Redis (only the lifespan would, and
    ASGITransport never runs it)."""
    settings = Settings(database_url="postgresql://unused/unused", redis_url="redis://unused:6379/0")
    urls = ServerUrls(settings.database_url or "", settings.redis_url or "", embedded=False)
    app = create_app(settings, urls, demo_token=demo_token)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")


def config_of(page: str) -> dict[str, object]:
    [raw] = CONFIG.findall(page)
    return json.loads(raw)


@pytest.mark.parametrize("path", ["/", "/programs/42"])
async def test_the_shell_is_served_with_its_configuration(path: str) -> None:
    async with client() as http:
        response = await http.get(path)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert config_of(page) == {"demoToken": None, "graphqlPath": "/graphql"}
    assert '<script type="module" src="/static/app/main.js"></script>' in page
    assert "<!--LIFTPLAN_CONFIG-->" not in page


async def test_the_demo_token_is_embedded_as_data_only() -> None:
    token = 'lp_demo</script><script>alert("x")</script>'
    async with client(token) as http:
        page = (await http.get("/")).text
    assert config_of(page)["demoToken"] == token
    assert page.count("</script>") == 2  # the config's and main.js's: the token closed nothing


async def test_every_module_is_served_as_javascript_and_nothing_is_fetched_from_elsewhere() -> None:
    modules = sorted(APP_DIR.glob("*.js"))
    imported = {"main.js"}
    for module in modules:
        imported |= {Path(name).name for name in IMPORT.findall(module.read_text(encoding="utf-8"))}
    assert imported == {m.name for m in modules}  # every import resolves; no module is left unused
    async with client() as http:
        for name in [*sorted(imported), "style.css"]:
            response = await http.get(f"/static/app/{name}")
            assert response.status_code == 200, name
            expected = "text/css" if name.endswith(".css") else "javascript"
            assert expected in response.headers["content-type"], (name, response.headers["content-type"])
    for file in APP_DIR.iterdir():
        source = file.read_text(encoding="utf-8").replace(SVG_NAMESPACE, "")
        assert not re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[/\"']", source), file.name
        assert "innerHTML" not in source and "insertAdjacentHTML" not in source, file.name
        if file.suffix == ".js":
            assert len(source.splitlines()) < 250, f"{file.name}: keep modules small"


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("path", ["/nope", "/programs/abc", "/programs/42/nope"])
async def test_a_browser_gets_the_pages_own_404_for_a_path_no_route_knows(path: str) -> None:
    async with client() as http:
        response = await http.get(path, headers={"Accept": BROWSER_ACCEPT})
        head = await http.head(path, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<title>Page not found · liftplan</title>" in page
    assert "<h1>Page not found</h1>" in page  # said without JavaScript too
    assert config_of(page) == {"demoToken": None, "graphqlPath": "/graphql"}
    assert '<script type="module" src="/static/app/main.js"></script>' in page  # the page's own router
    assert head.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "accept"),
    [
        ("GET", "/nope", "application/json"),  # an API client
        ("GET", "/nope", "*/*"),
        ("POST", "/nope", BROWSER_ACCEPT),
        ("GET", "/static/app/nope.js", BROWSER_ACCEPT),  # a route's own 404
        ("GET", "/static/nope", BROWSER_ACCEPT),
    ],
)
async def test_other_404s_stay_plain(method: str, path: str, accept: str) -> None:
    async with client() as http:
        response = await http.request(method, path, headers={"Accept": accept})
    assert (response.status_code, response.text) == (404, "Not Found")
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/healthz", 200), ("PUT", "/graphql", 405), ("GET", "/programs/1/regenerate-sessions", 405)],
)
async def test_known_routes_keep_their_own_answers(method: str, path: str, status: int) -> None:
    async with client() as http:
        response = await http.request(method, path, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == status
    assert "Page not found" not in response.text
