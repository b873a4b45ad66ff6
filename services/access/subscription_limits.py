"""Caps on live subscriptions per user and per process (per socket is Strawberry's own cap)."""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from services.errors import DomainError


class TooManySubscriptions(DomainError):
    code = "RATE_LIMITED"


class SubscriptionLimiter:
    """One per API process; subscriptions hold a slot for as long as they run."""

    def __init__(self, *, per_user: int, per_process: int) -> None:
        self.per_user = per_user
        self.per_process = per_process
        self._by_user: Counter[int] = Counter()

    @property
    def active(self) -> int:
        return sum(self._by_user.values())

    @contextmanager
    def slot(self, user_id: int) -> Iterator[None]:
        if self.active >= self.per_process:
            raise TooManySubscriptions("this server has too many live subscriptions; retry shortly")
        if self._by_user[user_id] >= self.per_user:
            raise TooManySubscriptions(f"at most {self.per_user} live subscriptions per user")
        self._by_user[user_id] += 1
        try:
            yield
        finally:
            self._by_user[user_id] -= 1
            if not self._by_user[user_id]:
                del self._by_user[user_id]
