"""One WARNING per outage, not one per failed try.

Every loop that talks to PostgreSQL or Redis (the worker's poll, the relay, the status hub, job
retries) reports each failure and each success to the ``Outage`` of that backend. The first
failure is logged at WARNING with its reason, later ones at DEBUG, and the first success after
them at WARNING with how long it lasted. Listeners (the reconciler) are told when a backend is back.
"""

import logging
import re
import time
from collections.abc import Callable

log = logging.getLogger("liftplan.outages")


_ARGUMENT_VALUE = re.compile(r"(query argument \$\d+):.*")


def describe_error(exc: BaseException) -> str:
    """A short, readable reason: the exception's type and first line, without SQL or parameters."""
    original = getattr(exc, "orig", None) or exc
    # SQLAlchemy's adapter of an asyncpg error prefixes "<class '...'>: "; the driver's own says it.
    driver = original.__cause__
    if original is not exc and driver is not None and getattr(driver, "sqlstate", None):
        original = driver
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else ""
    # SQLAlchemy appends "[SQL: ...]" and "(Background on this error ...)" to its messages.
    first_line = first_line.split("[SQL:")[0].strip()
    # asyncpg quotes the value it could not encode: "invalid input for query argument $1: '...'".
    first_line = _ARGUMENT_VALUE.sub(r"\1", first_line)
    name = type(original).__name__
    return f"{name}: {first_line[:300]}" if first_line else name


class Outage:
    """The state of one backend as seen by this process."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.since: float | None = None
        self.failures = 0
        self._on_recovery: list[Callable[[], None]] = []

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    def on_recovery(self, callback: Callable[[], None]) -> None:
        self._on_recovery.append(callback)

    def failed(self, exc: BaseException) -> None:
        self.failures += 1
        if self.since is None:
            self.since = time.monotonic()
            log.warning("%s unreachable (%s); retrying until it answers", self.backend, describe_error(exc))
        else:
            log.debug("%s still unreachable: %s", self.backend, describe_error(exc))

    def recovered(self) -> None:
        if self.since is None:
            return
        lasted = time.monotonic() - self.since
        log.warning("%s answers again after %.1f s (%d failed tries)", self.backend, lasted, self.failures)
        self.since = None
        self.failures = 0
        for callback in self._on_recovery:
            callback()


class Outages:
    """The outages of the two backends, shared by everything in one process."""

    def __init__(self) -> None:
        self.database = Outage("PostgreSQL")
        self.redis = Outage("Redis")


class Backoff:
    """Exponential delays for a reconnect loop: 0.1 s doubling up to ``cap`` (a backend that is
    back is noticed within that long)."""

    def __init__(self, first: float = 0.1, cap: float = 2.0) -> None:
        self._first = first
        self._cap = cap
        self._next = first

    def next(self) -> float:
        delay, self._next = self._next, min(self._cap, self._next * 2)
        return delay

    def reset(self) -> None:
        self._next = self._first
