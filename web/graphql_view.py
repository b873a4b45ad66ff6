"""Strawberry's ASGI view, wired to liftplan: per-request context and token authentication."""

from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types.unset import UNSET

from models import User
from resolvers.context import Context
from resolvers.dataloaders import build_loaders
from services.errors import Unavailable
from services.transient_errors import is_transient
from services.users import hash_token, user_for_token
from web.graphiql import graphiql_html
from web.open_sockets import OpenSockets
from web.websocket_guards import GuardedLegacyWSHandler, GuardedTransportWSHandler

BEARER = "bearer "
TOO_MANY_CONNECTIONS = 4429


def bearer_token(value: str | None) -> str | None:
    if value and value[: len(BEARER)].lower() == BEARER:
        return value[len(BEARER) :].strip()
    return None


class LiftplanGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = GuardedTransportWSHandler
    graphql_ws_handler_class = GuardedLegacyWSHandler

    def __init__(
        self, schema: BaseSchema, *, graphiql_headers: dict[str, str] | None = None, **options: Any
    ) -> None:
        super().__init__(
            schema,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            allow_queries_via_get=True,
            **options,
        )
        # GraphiQL from the app's own files: Strawberry's page loads them from a CDN.
        self._graphiql = graphiql_html(default_headers=graphiql_headers)

    async def run(self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """HTTP as Strawberry serves it; a WebSocket is counted against its client address's cap
        and registered for token re-checks for as long as it is open."""
        if not isinstance(request, WebSocket):
            return await super().run(request, context, root_value)
        sockets: OpenSockets = request.state.sockets
        address = request.client.host if request.client else "unknown"
        socket = sockets.open(address, request.close)
        if socket is None:
            await request.accept(subprotocol=await self.pick_websocket_subprotocol(request))
            reason = f"at most {sockets.per_address} connections from one address"
            await request.close(code=TOO_MANY_CONNECTIONS, reason=reason)
            return request
        request.state.socket = socket  # this connection's own copy of the state
        try:
            return await super().run(request, context, root_value)
        finally:
            sockets.closed(socket)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(self._graphiql)

    async def _user(self, request: Request | WebSocket, token: str | None) -> User | None:
        """The token's user; ``Unavailable`` when the database cannot say."""
        if token is None:
            return None
        try:
            async with request.state.session_factory() as db:
                return await user_for_token(db, token)
        except Exception as exc:
            if is_transient(exc):
                raise Unavailable() from exc
            raise

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        state = request.state
        is_socket = isinstance(request, WebSocket)
        user, auth_error = None, None
        if not is_socket:
            try:
                user = await self._user(request, bearer_token(request.headers.get("authorization")))
            except Unavailable as exc:
                auth_error = exc
        return Context(
            request=request,
            response=response,
            settings=state.settings,
            session_factory=state.session_factory,
            # A subscription's context lives as long as the socket: its loaders must not cache.
            loaders=build_loaders(state.session_factory, cache=not is_socket),
            redis=state.redis,
            units=state.units,
            hub=state.hub,
            subscriptions=state.subscriptions,
            user=user,
            auth_error=auth_error,
            socket=getattr(state, "socket", None) if is_socket else None,
            live=state.live if is_socket else None,
        )

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:  # type: ignore[override]
        """Authenticate a socket from its ``connection_init`` payload, or close it with 4403
        (1013, try again later, while the database cannot check the token)."""
        params = {str(k).lower(): v for k, v in (context.connection_params or {}).items()}
        value = params.get("authorization")
        token = bearer_token(value) if isinstance(value, str) else None
        context.user = await self._user(context.request, token)
        if context.user is None or token is None:
            raise ConnectionRejectionError({"reason": "a valid API token is required in connection_init"})
        if context.socket is not None:
            context.request.state.sockets.authenticated(context.socket, context.user.id, hash_token(token))
        return None


def group_context(context: Context) -> Context:
    """The context a live group executes its document with: the first member's user and
    clients, its own loaders (never caching: a group lives as long as its watchers), no socket."""
    return replace(
        context,
        loaders=build_loaders(context.session_factory, cache=False),
        socket=None,
        live=None,
        connection_params={},
    )
