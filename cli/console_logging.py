"""Log lines printed through a rich console while it shows a live progress bar, so each line
appears whole above the bar instead of being written through it."""

import contextlib
import logging
from collections.abc import Iterator

from rich.console import Console


class ConsoleHandler(logging.Handler):
    """Formats and filters as ``handler`` does, and prints through ``console``."""

    def __init__(self, console: Console, handler: logging.Handler) -> None:
        super().__init__(handler.level)
        self._console = console
        self._handler = handler

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._handler.filter(record):
                line = self._handler.format(record)
                self._console.print(line, markup=False, highlight=False, soft_wrap=True)
        except Exception:
            self.handleError(record)


@contextlib.contextmanager
def logs_through(console: Console) -> Iterator[None]:
    """While the block runs, the root logger's handlers print through ``console``."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers[:] = [ConsoleHandler(console, handler) for handler in saved]
    try:
        yield
    finally:
        root.handlers[:] = saved
