"""Give freed memory back to the system once the last live watcher has gone.

A thousand watchers grow the API's heap by tens of MB. When they leave, Python frees the
objects, but glibc keeps the freed pages for reuse, so the process's resident memory stays at
its peak. ``malloc_trim(0)`` hands free pages back. It runs, after a full garbage collection, a
few seconds after the last live group ended, and not at all if one starts meanwhile: a lone
watcher coming and going should not pay for a collection each time. Where the C library has no
``malloc_trim`` (musl, macOS) only the collection runs.
"""

import asyncio
import ctypes
import ctypes.util
import gc
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    trim: Callable[[int], int] | None = getattr(ctypes.CDLL(name), "malloc_trim", None)
    return trim


MALLOC_TRIM = _malloc_trim()


class IdleMemoryRelease:
    """Schedules the release ``delay_s`` after :meth:`schedule`; :meth:`cancel` calls it off."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.releases = 0
        self._timer: asyncio.TimerHandle | None = None

    def schedule(self) -> None:
        self.cancel()
        self._timer = asyncio.get_running_loop().call_later(self.delay_s, self.release)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def release(self) -> None:
        self._timer = None
        self.releases += 1
        collected = gc.collect()
        trimmed = MALLOC_TRIM(0) if MALLOC_TRIM is not None else 0
        log.debug(
            "no live watchers: collected %d objects, malloc_trim gave back pages: %s", collected, trimmed
        )
