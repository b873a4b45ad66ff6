"""Requests the GraphQL view refuses before executing anything, answered as GraphQL errors.

Strawberry refuses some requests at the HTTP level (an unknown ``operationName``, no query, a
mutation over GET) with a ``text/plain`` body and no code. Here every such refusal becomes
``{"errors": [{"message", "extensions": {"code"}}]}`` with its HTTP status, the same shape as
``web.request_guard``'s. A subscription over HTTP is refused too: it needs a WebSocket.
"""

from cross_web import HTTPException
from starlette.responses import JSONResponse
from strawberry.types.graphql import OperationType

from resolvers.context import Context
from services.errors import Unauthenticated

CODE_BY_STATUS = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    503: "UNAVAILABLE",
}
SUBSCRIPTION_NEEDS_WEBSOCKET = "SUBSCRIPTION_NEEDS_WEBSOCKET"


class Refused(HTTPException):
    """An HTTP-level refusal with its own code and headers (Strawberry's carry only a status)."""

    def __init__(
        self, status_code: int, reason: str, *, code: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, reason)
        self.code = code or CODE_BY_STATUS.get(status_code, "BAD_REQUEST")
        self.headers = headers or {}


def refusal_response(exc: HTTPException) -> JSONResponse:
    """The JSON answer for a refusal, Strawberry's or ours."""
    if not isinstance(exc, Refused):
        headers = {"Allow": "GET, POST"} if exc.status_code == 405 else None
        exc = Refused(exc.status_code, exc.reason, headers=headers)
    error = {"message": exc.reason, "extensions": {"code": exc.code}}
    return JSONResponse({"errors": [error]}, status_code=exc.status_code, headers=exc.headers)


def operation_type_refused(operation_type: OperationType, method: str, context: Context) -> Refused:
    """Why HTTP cannot run this operation. Without a valid token, only that (UNAUTHENTICATED, or
    UNAVAILABLE while the token cannot be checked); then a subscription needs a WebSocket and a
    mutation needs POST."""
    if context.auth_error is not None or context.user is None:
        error = context.auth_error or Unauthenticated()
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthenticated) else {}
        retry_after = getattr(error, "retry_after_s", None)
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        status = 401 if isinstance(error, Unauthenticated) else 503
        return Refused(status, error.message, code=error.code, headers=headers)
    if operation_type is OperationType.SUBSCRIPTION:
        message = "subscriptions need a WebSocket: graphql-transport-ws (or graphql-ws) at /graphql"
        return Refused(400, message, code=SUBSCRIPTION_NEEDS_WEBSOCKET)
    return Refused(405, f"{operation_type.value}s need POST, not {method}", headers={"Allow": "POST"})
