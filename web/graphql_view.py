"""Strawberry's ASGI view, wired to liftplan: per-request context, token authentication and the
program view's response cache."""

import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from resolvers.context import Context
from resolvers.dataloaders import build_loaders
from services.access.users import hash_token
from services.adapters.transient_errors import is_transient
from services.errors import Unavailable
from services.programs.view_versions import program_view_version
from web.authentication import bearer_token, token_user
from web.graphiql import graphiql_html
from web.http_refusals import Refused, operation_type_refused, refusal_response
from web.open_sockets import OpenSockets
from web.response_cache import ResponseCache
from web.websocket_guards import GuardedLegacyWSHandler, GuardedTransportWSHandler

log = logging.getLogger(__name__)
TOO_MANY_CONNECTIONS = 4429


@dataclass
class EncodedResult(ExecutionResult):
    """An answer already encoded as the response body (from the response cache, or just put there)."""

    body: bytes = b""


class EncodedBody(dict[str, object]):
    """What ``process_result`` makes of an ``EncodedResult``: its bytes, sent as they are."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body


def outage_retry_after(response: object) -> int | None:
    """Seconds to wait when an answer has no data and every error is UNAVAILABLE (PostgreSQL or
    Redis away): HTTP then says it as 503 with ``Retry-After``, as the REST route does."""
    if not isinstance(response, dict) or response.get("data") is not None:
        return None
    extensions = [error.get("extensions") or {} for error in response.get("errors") or []]
    if not extensions or any(e.get("code") != "UNAVAILABLE" for e in extensions):
        return None
    return max(int(e.get("retryAfterSeconds") or Unavailable.retry_after_s) for e in extensions)


class LiftplanGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = GuardedTransportWSHandler
    graphql_ws_handler_class = GuardedLegacyWSHandler

    def __init__(
        self,
        schema: BaseSchema,
        *,
        graphiql_headers: dict[str, str] | None = None,
        graphiql_program_id: int | None = None,
        response_cache: ResponseCache | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            schema,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            allow_queries_via_get=True,
            **options,
        )
        # GraphiQL from the app's own files: Strawberry's page loads them from a CDN.
        self._graphiql = graphiql_html(default_headers=graphiql_headers, program_id=graphiql_program_id)
        self.response_cache = response_cache

    async def run(self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """HTTP as Strawberry serves it, its refusals answered as GraphQL errors with a code; a
        WebSocket is counted against its client address's cap and registered for token re-checks
        for as long as it is open."""
        if not isinstance(request, WebSocket):
            try:
                return await super().run(request, context, root_value)
            except HTTPException as exc:
                return refusal_response(exc)
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

    # Takes Strawberry's arguments after ``context`` as **rest and passes them on as they are.
    async def execute_operation(  # type: ignore[override]
        self, request: Request, request_adapter: Any, request_data: Any, context: Context, **rest: Any
    ) -> Any:
        """Execute, timed by operation name for ``/metrics``."""
        started = time.perf_counter()
        try:
            return await self._execute_cached(request, request_adapter, request_data, context, **rest)
        finally:
            metrics = getattr(request.state, "metrics", None)
            if metrics is not None and isinstance(request_data, GraphQLRequestData):
                metrics.observe_request(
                    request_data.operation_name, request_data.query, time.perf_counter() - started
                )

    async def _execute_cached(
        self, request: Request, request_adapter: Any, request_data: Any, context: Context, **rest: Any
    ) -> Any:
        """Answer a program view from the response cache when nothing it shows has changed since it
        was stored; otherwise execute it (and store the answer when it has no errors). The token
        was checked already (``get_context``, every request): no user, no cache."""
        run = super().execute_operation
        cache, user = self.response_cache, context.user
        if (
            cache is None
            or not cache.enabled
            or user is None
            or not isinstance(request_data, GraphQLRequestData)
            or request_data.protocol != "http"
        ):
            return await run(request, request_adapter, request_data, context, **rest)
        data: GraphQLRequestData = request_data
        ids = cache.program_ids(data.query, data.operation_name, data.variables)
        if ids is None or data.query is None:
            return await run(request, request_adapter, request_data, context, **rest)
        try:
            # Before executing: a change committed meanwhile leaves the answer under an old version.
            async with context.session_factory() as db:
                version = await program_view_version(db, user, ids)
        except Exception as exc:
            # The cache is never why a request fails: executing reports an outage as it would
            # without it, and anything else is logged and answered without the cache.
            if not is_transient(exc):
                log.exception("response cache: could not read the programs' versions")
            version = None
        key = None
        if version is not None:
            viewer = (user.id, user.role.value)
            key = cache.key(data.query, data.operation_name, data.variables, data.extensions, viewer, version)
        if key is None:
            return await run(request, request_adapter, request_data, context, **rest)
        body = cache.get(key)
        if body is not None:
            return EncodedResult(data=None, errors=None, body=body)
        result = await run(request, request_adapter, request_data, context, **rest)
        if type(result) is not ExecutionResult or result.errors:
            return result
        encoded = self.encode_json(await super().process_result(request, result))
        body = encoded.encode() if isinstance(encoded, str) else encoded
        cache.put(key, body)
        return EncodedResult(data=None, errors=None, body=body)

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: Context,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's, except that a subscription is refused (over HTTP it would run as a query
        and fail inside) and each refusal carries a code."""
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as exc:
            raise operation_type_refused(exc.operation_type, request_adapter.method, context) from exc
        except CannotGetOperationTypeError as exc:
            raise Refused(400, exc.as_http_error_reason()) from exc
        except MissingQueryError as exc:
            raise Refused(400, "no GraphQL query found in the request") from exc

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if isinstance(result, EncodedResult):
            # Not the TypedDict it stands in for: create_response sends its bytes as they are.
            return EncodedBody(result.body)  # type: ignore[return-value]
        return await super().process_result(request, result)

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        if not isinstance(response_data, EncodedBody):
            retry_after = outage_retry_after(response_data)
            if retry_after is not None:
                sub_response.status_code = 503
                sub_response.headers["Retry-After"] = str(retry_after)
            return super().create_response(response_data, sub_response)
        response = Response(response_data.body, media_type="application/json")
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        state = request.state
        is_socket = isinstance(request, WebSocket)
        user, auth_error = None, None
        if not is_socket:
            try:
                token = bearer_token(request.headers.get("authorization"))
                user = await token_user(state.session_factory, token)
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

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        """Authenticate a socket from its ``connection_init`` payload, or close it with 4403
        (1013, try again later, while the database cannot check the token)."""
        params = {str(k).lower(): v for k, v in (context.connection_params or {}).items()}
        token = bearer_token(params.get("authorization"))
        context.user = await token_user(context.session_factory, token)
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
