"""Per-user rate limits in Redis, shared by every API process: a fixed one-minute window.

The limits guard against abuse; they are not worth an outage. While Redis does not answer, calls
go through uncounted (one WARNING per outage, through the process's Redis ``Outage``), as the rest
of the service keeps working without Redis: what was committed meanwhile is enqueued by the
reconciler once Redis is back.
"""

import logging
import math
import time

from redis.asyncio import Redis

from services.adapters.outages import Outage, describe_error
from services.adapters.transient_errors import is_redis_error, is_transient
from services.errors import DomainError

WINDOW_S = 60
PREFIX = "liftplan:rate:"

log = logging.getLogger(__name__)


class RateLimited(DomainError):
    code = "RATE_LIMITED"

    def __init__(self, action: str, limit: int, retry_after_s: int) -> None:
        super().__init__(f"{action} is limited to {limit} calls a minute; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


async def spend(
    redis: Redis,
    user_id: int,
    action: str,
    limit: int,
    *,
    window_s: int = WINDOW_S,
    outage: Outage | None = None,
) -> None:
    """Count one call of ``action`` by the user; raise ``RateLimited`` past ``limit`` per window.

    When Redis cannot be reached the call is let through uncounted and ``outage`` is told."""
    now = time.time()
    window = int(now // window_s)
    key = f"{PREFIX}{action}:{user_id}:{window}"
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window_s * 2)
            count, _ = await pipe.execute()
    except Exception as exc:
        if not (is_redis_error(exc) and is_transient(exc)):
            raise
        if outage is not None:
            outage.failed(exc)
        else:
            log.warning("%s not rate-limited: Redis unreachable (%s)", action, describe_error(exc))
        return
    if outage is not None:
        outage.recovered()
    if count > limit:
        raise RateLimited(action, limit, max(1, math.ceil((window + 1) * window_s - now)))
