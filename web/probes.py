"""``/healthz`` (the process serves) and ``/readyz`` (it can do its work), for load balancers and
orchestrators. Neither needs a token, so neither says why something is not ready: that is logged."""

from starlette.requests import Request
from starlette.responses import JSONResponse


async def healthz(request: Request) -> JSONResponse:
    """Always 200 while the process answers HTTP: no dependency is asked (a restart would not
    bring PostgreSQL back)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """200 when PostgreSQL and Redis answer and the database's migrations are at the code's head,
    else 503; a status per check (``ok``, ``unavailable``, or ``behind`` for migrations), no reason."""
    results = await request.state.readiness.check()
    ready = all(check.ok for check in results.values())
    body: dict[str, object] = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: check.status for name, check in results.items()},
        **{name: check.public() for name, check in results.items()},
    }
    return JSONResponse(body, status_code=200 if ready else 503)
