"""Which failures are worth retrying: the database or Redis being briefly unreachable."""

import errno

from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

# A socket that cannot reach its server. ENOENT: a unix socket whose server is not running
# (asyncpg raises the bare OSError when it cannot connect).
CONNECTION_ERRNOS = {
    errno.ENOENT,
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EPIPE,
    errno.ETIMEDOUT,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
}

# SQLSTATE classes and codes that describe the connection or the server, not the statement.
TRANSIENT_SQLSTATE_PREFIXES = ("08", "57P", "53")  # connection, operator intervention, resources
TRANSIENT_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock


class ConcurrentChange(Exception):
    """Another transaction changed what this one relied on (a movement deleted while a session
    was written): a new attempt sees the change and succeeds, or fails for a reason it can name."""


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def is_transient(exc: BaseException) -> bool:
    """True for connection loss, timeouts, server restarts, lock conflicts and a
    ``ConcurrentChange``; False for errors that would happen again on retry (bad data, missing
    rows, constraint violations)."""
    for link in _chain(exc):
        if isinstance(link, ConcurrentChange):
            return True
        if isinstance(link, DBAPIError) and link.connection_invalidated:
            return True
        if isinstance(link, (OperationalError, InterfaceError, ConnectionError, TimeoutError)):
            return True
        if isinstance(link, OSError) and link.errno in CONNECTION_ERRNOS:
            return True
        # redis-py's connection errors do not derive from the builtin ConnectionError.
        if type(link).__module__.startswith("redis") and type(link).__name__ in {
            "ConnectionError",
            "TimeoutError",
            "BusyLoadingError",
        }:
            return True
        sqlstate = getattr(link, "sqlstate", None)
        if isinstance(sqlstate, str) and (
            sqlstate in TRANSIENT_SQLSTATES or sqlstate.startswith(TRANSIENT_SQLSTATE_PREFIXES)
        ):
            return True
    return False


def is_connection_loss(exc: BaseException) -> bool:
    """A transient error that means a backend is unreachable (not a lock conflict or a slow query)."""
    if not is_transient(exc):
        return False
    for link in _chain(exc):
        if isinstance(link, ConcurrentChange):
            return False
        sqlstate = getattr(link, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate in TRANSIENT_SQLSTATES:
            return False
    return not isinstance(exc, TimeoutError)


def is_redis_error(exc: BaseException) -> bool:
    """Raised by the Redis client (redis-py wraps its socket errors in its own)."""
    return any(isinstance(link, RedisError) for link in _chain(exc))
