"""Reading a watch in tests: the next events, with a deadline (never a fixed sleep)."""

import asyncio

from services.live.status_log import StatusEvent
from services.live.status_watch import Watch


async def next_events(watch: Watch, count: int, timeout: float = 10) -> list[StatusEvent]:
    """The watch's next ``count`` events; TimeoutError if they do not all come within ``timeout``."""
    events: list[StatusEvent] = []

    async def take() -> None:
        async for event in watch:
            events.append(event)
            if len(events) == count:
                return

    await asyncio.wait_for(take(), timeout)
    return events
