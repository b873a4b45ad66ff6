"""The browser front end: one HTML shell for ``/`` and ``/programs/<id>``; the page's modules
under ``/static/app/`` do the rest through the GraphQL API."""

import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse

SHELL = Path(__file__).resolve().parent / "static" / "app" / "index.html"
CONFIG_MARKER = "<!--LIFTPLAN_CONFIG-->"


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

    async def page(self, request: Request) -> HTMLResponse:
        return HTMLResponse(self._html, headers={"Cache-Control": "no-store"})
