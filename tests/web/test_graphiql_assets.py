"""The GraphiQL page needs nothing from outside the app: no browser, no database."""

import base64
import hashlib
import json
import re
from typing import Any

from starlette.requests import Request
from starlette.routing import Route
from strawberry.http.ides import get_graphql_ide_html

from core.servers import ServerUrls
from core.settings import Settings
from schema.documents import PROGRAM_VIEW
from tests.web.graphiql_page import first_tab
from web.app import create_app
from web.graphiql import PROGRAM_ID_PLACEHOLDER, STATIC_DIR, VENDORED_ASSETS, graphiql_html
from web.graphql_view import LiftplanGraphQL

# The only URL left in the page is the XML namespace of the inline SVG favicon: a name, never fetched.
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
LICENCES = {
    "react.production.min.js": ["LICENSE.react"],
    "react-dom.production.min.js": ["LICENSE.react-dom"],
    "js.cookie.min.js": ["LICENSE.js-cookie"],
    "graphiql.min.js": ["LICENSE.graphiql"],
    "graphiql.min.css": ["LICENSE.graphiql"],
    "graphiql-plugin-explorer.umd.js": ["LICENSE.graphiql-plugin-explorer", "LICENSE.graphiql-explorer"],
    "graphiql-plugin-explorer.css": ["LICENSE.graphiql-plugin-explorer"],
}


def referenced_paths(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/graphiql/[^"]+)"', page)


def test_page_references_no_external_url() -> None:
    page = graphiql_html()
    assert re.findall(r"https?://[^\s\"'<>]*", page.replace(SVG_NAMESPACE, "")) == []
    assert "unpkg" not in page
    assert "integrity=" not in page
    assert "crossorigin" not in page
    for attribute in re.findall(r'(?:src|href)="([^"]*)"', page):
        assert attribute.startswith(("/static/graphiql/", "data:")), attribute


def test_every_referenced_asset_is_vendored() -> None:
    paths = referenced_paths(graphiql_html())
    assert sorted(path.rsplit("/", 1)[1] for path in paths) == sorted(VENDORED_ASSETS.values())
    for path in paths:
        file = STATIC_DIR / path.removeprefix("/static/graphiql/")
        assert file.is_file(), path
        assert 0 < file.stat().st_size < 4_000_000, path
    total = sum(file.stat().st_size for file in STATIC_DIR.iterdir())
    assert total < 5_000_000


def test_vendored_files_are_the_ones_strawberry_pins() -> None:
    """Each file hashes to the ``integrity`` value Strawberry's template gives its CDN URL."""
    template = get_graphql_ide_html("graphiql")
    pinned = dict(re.findall(r'(?:src|href)="https://unpkg\.com/([^"]+)"\s+integrity="([^"]+)"', template))
    assert pinned.keys() == VENDORED_ASSETS.keys()
    for cdn_path, name in VENDORED_ASSETS.items():
        digest = hashlib.sha384((STATIC_DIR / name).read_bytes()).digest()
        assert f"sha384-{base64.b64encode(digest).decode()}" == pinned[cdn_path], name


def test_each_vendored_package_has_its_licence() -> None:
    assert LICENCES.keys() == set(VENDORED_ASSETS.values())
    for licences in LICENCES.values():
        for licence in licences:
            text = (STATIC_DIR / licence).read_text(encoding="utf-8")
            assert "MIT License" in text
            assert "Permission is hereby granted, free of charge" in text


def test_default_headers_prefill_the_headers_editor() -> None:
    page = graphiql_html(default_headers={"Authorization": "Bearer x"})
    [literal] = re.findall(r"defaultHeaders: (\"(?:[^\"\\]|\\.)*\"),", page)
    assert json.loads(json.loads(literal)) == {"Authorization": "Bearer x"}
    assert "shouldPersistHeaders: true," in page
    assert "defaultHeaders: undefined," in graphiql_html()


def test_header_values_cannot_close_the_script() -> None:
    page = graphiql_html(default_headers={"X-Demo": "</script><script>alert(1)</script>"})
    assert page.count("</script>") == graphiql_html().count("</script>")
    [literal] = re.findall(r"defaultHeaders: (\"(?:[^\"\\]|\\.)*\"),", page)
    assert json.loads(json.loads(literal)) == {"X-Demo": "</script><script>alert(1)</script>"}


def test_static_prefix_is_configurable() -> None:
    page = graphiql_html(static_prefix="/assets/gql/")
    assert len(re.findall(r'(?:src|href)="/assets/gql/[^/"]+"', page)) == len(VENDORED_ASSETS)
    assert "/static/graphiql" not in page


async def served_graphiql(**app_options: Any) -> str:
    """The GraphiQL page as the app's /graphql route serves it (nothing is connected to)."""
    urls = ServerUrls("postgresql://unused", "redis://unused", embedded=False)
    app = create_app(Settings(), urls, **app_options)
    [route] = [r for r in app.routes if isinstance(r, Route) and r.path == "/graphql"]
    assert isinstance(route.endpoint, LiftplanGraphQL)
    request = Request({"type": "http", "method": "GET", "path": "/graphql", "headers": []})
    return bytes((await route.endpoint.render_graphql_ide(request)).body).decode()


async def test_the_first_tab_views_the_demo_program() -> None:
    page = await served_graphiql(demo_token="lp_demo", demo_program_id=42)
    query, variables = first_tab(page)
    assert query.endswith(PROGRAM_VIEW)
    assert "query ProgramView($id: ID!)" in query
    assert variables == {"id": "42"}
    assert PROGRAM_ID_PLACEHOLDER not in query
    assert "Welcome to GraphiQL" not in page
    assert "defaultQuery: EXAMPLE_QUERY," in page  # a new tab opens on it too, not on GraphiQL's own text


async def test_without_a_demo_program_the_first_tab_says_how_to_find_an_id() -> None:
    page = await served_graphiql()
    query, variables = first_tab(page)
    assert query.endswith(PROGRAM_VIEW)
    assert variables == {"id": PROGRAM_ID_PLACEHOLDER}
    assert f"Set {PROGRAM_ID_PLACEHOLDER} in Variables" in query
    assert "query { programs { nodes { id name } } }" in query
    assert "Welcome to GraphiQL" not in page


def test_a_shared_query_keeps_its_own_variables() -> None:
    """``?q=`` (a shared link) opens on that query: the program view's variables are not added."""
    page = graphiql_html(program_id=7)
    assert "parameters.q || EXAMPLE_QUERY" in page
    assert "parameters.variables || (parameters.q ? undefined : " in page
