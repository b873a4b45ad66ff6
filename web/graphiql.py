"""GraphiQL page served entirely by the app: Strawberry's template with its CDN files made local.

Strawberry's GraphiQL page loads React, GraphiQL and the explorer plugin from unpkg; with no outside
network it shows "Loading..." forever. The same files are vendored under ``web/static/graphiql``
(see its README) and this module points the template at them. Subscriptions need nothing more:
GraphiQL's UMD bundle includes the ``graphql-ws`` client, and the template derives the WebSocket URL
from the page's own URL. Its first tab (and each new one) opens on liftplan's program view instead of
Strawberry's welcome text.
"""

import html
import json
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from strawberry.http.ides import get_graphql_ide_html

from schema.documents import PROGRAM_VIEW

STATIC_DIR = Path(__file__).parent / "static" / "graphiql"

# Each unpkg.com path in Strawberry's template -> its vendored copy in STATIC_DIR (byte-identical).
VENDORED_ASSETS: Mapping[str, str] = MappingProxyType(
    {
        "react@18.2.0/umd/react.production.min.js": "react.production.min.js",
        "react-dom@18.2.0/umd/react-dom.production.min.js": "react-dom.production.min.js",
        "js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
        "graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
        "@graphiql/plugin-explorer@1.0.2/dist/style.css": "graphiql-plugin-explorer.css",
        "graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
        "@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": "graphiql-plugin-explorer.umd.js",
    }
)

_PREFIX = "__LIFTPLAN_GRAPHIQL_STATIC__"
_HEADERS = "__LIFTPLAN_GRAPHIQL_DEFAULT_HEADERS__"
_QUERY = "__LIFTPLAN_GRAPHIQL_DEFAULT_QUERY__"
_VARIABLES = "__LIFTPLAN_GRAPHIQL_DEFAULT_VARIABLES__"
_WELCOME = re.compile(r"const EXAMPLE_QUERY = `[^`]*`;")
PROGRAM_ID_PLACEHOLDER = "PROGRAM_ID"
_INTRO = (
    "# liftplan's program view (as in the README): a program,\n"
    "# its progress, weeks, sessions and exercises in one request.\n"
    "# Run: Ctrl-Enter. Every type and field: Docs (top left).\n"
)
_FIND_AN_ID = (
    f"# Set {PROGRAM_ID_PLACEHOLDER} in Variables below to one of your programs;\n"
    "# this lists them: query { programs { nodes { id name } } }\n"
)
_CDN = "https://unpkg.com/"
_CDN_TAG = re.compile(rf"<(?:script|link)\b[^>]*?{re.escape(_CDN)}[^>]*>")
_CDN_URL = re.compile(rf'"{re.escape(_CDN)}([^"]+)"')
_CDN_ATTRIBUTE = re.compile(r'\s+(?:crossorigin(?:="[^"]*")?|integrity="[^"]*")(?=[\s>/])')


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise RuntimeError(f"Strawberry's GraphiQL template changed: expected {old!r} exactly once")
    return text.replace(old, new)


def _localise(template: str) -> str:
    """Point every CDN tag at ``_PREFIX/<file>``, drop SRI/CORS attributes, add a headers slot."""
    used: set[str] = set()

    def local_url(match: re.Match[str]) -> str:
        path = match.group(1)
        if path not in VENDORED_ASSETS:
            raise RuntimeError(f"Strawberry's GraphiQL template loads {_CDN}{path}, which is not vendored")
        used.add(path)
        return f'"{_PREFIX}/{VENDORED_ASSETS[path]}"'

    def local_tag(match: re.Match[str]) -> str:
        return _CDN_URL.sub(local_url, _CDN_ATTRIBUTE.sub("", match.group(0)))

    page = _CDN_TAG.sub(local_tag, template)
    if missing := set(VENDORED_ASSETS) - used:
        raise RuntimeError(f"Strawberry's GraphiQL template no longer loads {sorted(missing)}")
    if "https://" in page:
        raise RuntimeError("Strawberry's GraphiQL template still references an external URL")
    if len(_WELCOME.findall(page)) != 1:
        raise RuntimeError("Strawberry's GraphiQL template changed: expected one EXAMPLE_QUERY literal")
    page = _WELCOME.sub(f"const EXAMPLE_QUERY = {_QUERY};", page)
    # The program view's variables only when the page opens on it, not with a shared query (?q=).
    variables = "parameters.variables,"
    page = _replace_once(
        page, variables, f"parameters.variables || (parameters.q ? undefined : {_VARIABLES}),"
    )
    persist = "shouldPersistHeaders: true,"
    defaults = f"defaultHeaders: {_HEADERS},\n          defaultQuery: EXAMPLE_QUERY,"
    return _replace_once(page, persist, f"{persist}\n          {defaults}")


_PAGE = _localise(get_graphql_ide_html("graphiql"))


def _js_string(value: str) -> str:
    """A JavaScript string literal that is also safe inside an HTML ``<script>`` element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def graphiql_html(
    *,
    static_prefix: str = "/static/graphiql",
    default_headers: dict[str, str] | None = None,
    program_id: int | None = None,
) -> str:
    """Strawberry's GraphiQL page loading its scripts and styles from ``static_prefix``.

    ``default_headers`` pre-fill the headers editor (GraphiQL's ``defaultHeaders``) of a first visit
    or a new tab; headers the user edited are persisted in the browser and win on later visits.
    GraphiQL sends the editor's headers with every HTTP request and, for subscriptions, as the
    ``connection_init`` payload of the ``graphql-transport-ws`` WebSocket.

    The first tab holds the program view (``schema.documents.PROGRAM_VIEW``) with ``program_id``
    as its ``id`` variable (the embedded demo's program), or a placeholder and how to find an id.
    """
    headers = _js_string(json.dumps(default_headers, indent=2)) if default_headers else "undefined"
    query = _INTRO + ("" if program_id is not None else _FIND_AN_ID) + PROGRAM_VIEW
    variables = {"id": PROGRAM_ID_PLACEHOLDER if program_id is None else str(program_id)}
    return (
        _PAGE.replace(_PREFIX, html.escape(static_prefix.rstrip("/")))
        .replace(_HEADERS, headers)
        .replace(_QUERY, _js_string(query))
        .replace(_VARIABLES, _js_string(json.dumps(variables, indent=2)))
    )
