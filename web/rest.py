"""``POST /programs/{program_id}/regenerate-sessions``: the seed's JSON route, for scripts and
older front ends. Same authentication, same service, same jobs and the same error codes as the
``regenerateSessions`` mutation; errors come back as ``{"error": {code, message, field}}``."""

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from models import Session
from services.adapters.redis_rate_limits import spend
from services.adapters.transient_errors import is_transient
from services.errors import DomainError, InvalidInput, Unauthenticated, Unavailable
from services.ids import parse_id
from services.programs.regeneration import check_session_ids, regenerate_sessions
from web.authentication import bearer_token, token_user
from web.request_body import BodyTooLarge, is_utf8_json, read_body_within

STATUS_BY_CODE = {
    "INVALID_INPUT": 400,
    "PAYLOAD_TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "RATE_LIMITED": 429,
    "UNAVAILABLE": 503,
}


class PayloadTooLarge(DomainError):
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(DomainError):
    code = "UNSUPPORTED_MEDIA_TYPE"


def error_response(exc: DomainError) -> JSONResponse:
    retry_after = getattr(exc, "retry_after_s", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    if exc.code == "UNAUTHENTICATED":
        headers = {"WWW-Authenticate": "Bearer"}
    body = {"error": {"code": exc.code, "message": exc.message, "field": exc.field}}
    return JSONResponse(body, status_code=STATUS_BY_CODE.get(exc.code, 500), headers=headers)


async def _arguments(request: Request) -> tuple[list[int] | None, bool]:
    """The body's arguments. Only JSON is read (a form or text body is refused, as ``/graphql``
    refuses it); no body at all, with no ``Content-Type``, means the defaults."""
    content_type = request.headers.get("content-type")
    if content_type is not None and not is_utf8_json(content_type):
        raise UnsupportedMediaType("Content-Type must be application/json (UTF-8)")
    try:
        limit = request.state.settings.max_body_bytes
        raw = await read_body_within(request.stream(), request.headers.get("content-length"), limit)
    except BodyTooLarge as too_large:
        raise PayloadTooLarge(str(too_large)) from None
    if content_type is None and raw:
        raise UnsupportedMediaType("a request body needs Content-Type: application/json")
    try:
        body: Any = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("request body must be JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("request body must be a JSON object")
    ids = body.get("sessionIds")
    if ids is not None and not isinstance(ids, list):
        raise InvalidInput("sessionIds must be a list of ids", field="sessionIds")
    include_complete = body.get("includeComplete", False)
    if not isinstance(include_complete, bool):
        raise InvalidInput("includeComplete must be true or false", field="includeComplete")
    return ([parse_id(i, "sessionIds") for i in ids] if ids is not None else None), include_complete


def _session_json(session: Session) -> dict[str, object]:
    return {"id": str(session.id), "generationStatus": session.generation_status.value}


async def regenerate_sessions_route(request: Request) -> JSONResponse:
    state = request.state
    try:
        user = await token_user(state.session_factory, bearer_token(request.headers.get("authorization")))
        if user is None:
            raise Unauthenticated()
        program_id = parse_id(request.path_params["program_id"], "programId")
        session_ids, include_complete = await _arguments(request)
        check_session_ids(session_ids)
        await spend(
            state.redis,
            user.id,
            "regenerateSessions",
            state.settings.rate_limit_per_minute,
            outage=state.units.queue_outage,
        )
        async with state.units() as uow:
            sessions = await regenerate_sessions(uow, user, program_id, session_ids, include_complete)
    except DomainError as exc:
        return error_response(exc)
    except Exception as exc:
        if not is_transient(exc):
            raise
        return error_response(Unavailable())
    return JSONResponse({"sessions": [_session_json(s) for s in sessions]})
