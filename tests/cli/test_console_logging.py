"""Log lines written while a live progress bar is shown (``repair-program --with-worker``: the
worker's own logs) come out whole, above the bar, in the process's usual format."""

import io
import logging
from collections.abc import Iterator

import pytest
from rich.console import Console
from rich.progress import BarColumn, Progress

from cli.console_logging import logs_through
from core.logging_setup import LOG_FORMAT, OneLineFormatter

MESSAGE = "session 42 FAILED: 3 of 12 movements not found"


@pytest.fixture
def stderr_handler() -> Iterator[io.StringIO]:
    """The root logger as ``configure_logging`` leaves it, writing to a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(OneLineFormatter(LOG_FORMAT))
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    yield stream
    root.handlers[:] = saved
    root.setLevel(level)


def run_bar(console: Console, *, route_logs: bool) -> None:
    with Progress(BarColumn(), console=console, auto_refresh=False) as bar:
        task = bar.add_task("repair", total=10)
        for done in range(10):
            bar.update(task, completed=done)
            bar.refresh()
            if done == 5:
                if route_logs:
                    with logs_through(bar.console):
                        logging.getLogger("services.generation").error(MESSAGE)
                else:
                    logging.getLogger("services.generation").error(MESSAGE)


def test_a_log_line_during_the_bar_is_printed_whole_through_the_console(stderr_handler: io.StringIO) -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=200, color_system=None)
    run_bar(console, route_logs=True)

    assert stderr_handler.getvalue() == ""  # nothing written under the bar's feet
    # (pytest's own capturing handlers are on the root logger too: their lines are printed as well.)
    ours = [line for line in screen.getvalue().splitlines() if " ERROR services.generation [" in line]
    assert len(ours) == 1
    # The usual one-line format, printed whole above the bar: the line ends with the message.
    assert ours[0].rstrip().endswith(MESSAGE)


def test_without_it_the_line_goes_to_the_stream_the_bar_does_not_manage(stderr_handler: io.StringIO) -> None:
    """What the first test guards against: the handler writes straight to its stream."""
    console = Console(file=io.StringIO(), force_terminal=True, width=200, color_system=None)
    run_bar(console, route_logs=False)

    assert MESSAGE in stderr_handler.getvalue()


def test_the_handlers_are_given_back_after_the_block(stderr_handler: io.StringIO) -> None:
    before = logging.getLogger().handlers[:]
    with logs_through(Console(file=io.StringIO())):
        assert logging.getLogger().handlers != before
    assert logging.getLogger().handlers == before
