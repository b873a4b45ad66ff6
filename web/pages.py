"""The browser front end: one HTML shell for ``/`` and ``/programs/<id>``; the page's modules
under ``/static/app/`` do the rest through the GraphQL API. A browser asking for a path no route
knows gets the same shell saying "Page not found", with status 404."""

import json
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

SHELL = Path(__file__).resolve().parent / "static" / "app" / "index.html"
CONFIG_MARKER = "<!--LIFTPLAN_CONFIG-->"
MAIN_OPEN = '<main id="main" tabindex="-1">'
NOT_FOUND_MAIN = (
    f'{MAIN_OPEN}\n    <h1>Page not found</h1>\n    <p><a href="/" data-link>&larr; Your programs</a></p>'
)


def render_shell(demo_token: str | None) -> str:
    """The shell with the page's configuration; the demo token only in the embedded demo."""
    config = json.dumps({"demoToken": demo_token, "graphqlPath": "/graphql"})
    # JSON inside <script>: escape what could end the element, JSON.parse reads it back unchanged.
    safe = config.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    script = f'<script id="liftplan-config" type="application/json">{safe}</script>'
    return SHELL.read_text(encoding="utf-8").replace(CONFIG_MARKER, script)


class Pages:
    """Serves the shell, rendered once at start-up (it never changes while running)."""

    def __init__(self, demo_token: str | None) -> None:
        self._html = render_shell(demo_token)
        self._not_found = self._html.replace(MAIN_OPEN, NOT_FOUND_MAIN, 1).replace(
            "<title>liftplan</title>", "<title>Page not found · liftplan</title>", 1
        )

    async def page(self, request: Request) -> HTMLResponse:
        return HTMLResponse(self._html, headers={"Cache-Control": "no-store"})

    async def not_found(self, request: Request, exc: Exception) -> Response:
        """The handler of every 404 raised as ``HTTPException``. Only a path no route matched (no
        ``endpoint`` in the scope), fetched by a browser (GET or HEAD accepting HTML), gets the
        page's own 404; a route's own (a missing static file) and other clients' keep Starlette's
        plain "Not Found". Routes that answer 404 themselves (the REST route's JSON) never come here."""
        assert isinstance(exc, HTTPException)
        unmatched = "endpoint" not in request.scope
        wants_html = "text/html" in request.headers.get("accept", "")
        if unmatched and wants_html and request.method in ("GET", "HEAD"):
            return HTMLResponse(self._not_found, status_code=404, headers={"Cache-Control": "no-store"})
        return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)
