"""Fields that log records carry beyond their message (``session_id``, ``job_id``, ...), bound for
the length of a job or a request through a context variable, or passed with ``extra=``."""

import contextlib
import contextvars
import logging
from collections.abc import Iterator, Mapping
from types import MappingProxyType

FIELDS = ("request_id", "job_id", "attempt", "session_id", "program_id")

_bound: contextvars.ContextVar[Mapping[str, object]] = contextvars.ContextVar(
    "log_fields", default=MappingProxyType({})
)


@contextlib.contextmanager
def bound(**fields: object) -> Iterator[None]:
    """Every record logged inside the block (in this task and tasks it starts) carries ``fields``."""
    token = _bound.set({**_bound.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _bound.reset(token)


class ContextFields(logging.Filter):
    """Copies the bound fields onto each record (a field given with ``extra=`` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _bound.get().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True
