"""Per-user rate limits in Redis, shared by every API process: a fixed one-minute window."""

import math
import time

from redis.asyncio import Redis

from services.errors import DomainError

WINDOW_S = 60
PREFIX = "liftplan:rate:"


class RateLimited(DomainError):
    code = "RATE_LIMITED"

    def __init__(self, action: str, limit: int, retry_after_s: int) -> None:
        super().__init__(f"{action} is limited to {limit} calls a minute; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


async def spend(redis: Redis, user_id: int, action: str, limit: int, *, window_s: int = WINDOW_S) -> None:
    """Count one call of ``action`` by the user; raise ``RateLimited`` past ``limit`` per window."""
    now = time.time()
    window = int(now // window_s)
    key = f"{PREFIX}{action}:{user_id}:{window}"
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, window_s * 2)
        count, _ = await pipe.execute()
    if count > limit:
        raise RateLimited(action, limit, max(1, math.ceil((window + 1) * window_s - now)))
