"""Session status events on a Redis Stream per program.

Each committed status change is appended (``XADD``, approximate ``MAXLEN``) to the program's
stream; the entry id is the event's cursor, increasing per program, so a client that reconnects
resumes with ``after=<cursor>`` and misses nothing while the stream still reaches back that far.
Redis is the transport only: the state itself is always in PostgreSQL.
"""

import datetime as dt
from dataclasses import dataclass

from redis.asyncio import Redis

from models import GenerationStatus
from services.status_changes import StatusChange

STREAM_PREFIX = "liftplan:status:"
DEFAULT_MAXLEN = 10_000


def stream_key(program_id: int) -> str:
    return f"{STREAM_PREFIX}{program_id}"


class InvalidCursor(ValueError):
    """A cursor that is not a stream id (``<milliseconds>-<sequence>``)."""


def parse_cursor(cursor: str) -> tuple[int, int]:
    try:
        ms, _, seq = cursor.partition("-")
        parsed = (int(ms), int(seq or 0))
    except ValueError:
        raise InvalidCursor(f"not a status cursor: {cursor!r}") from None
    if parsed[0] < 0 or parsed[1] < 0:
        raise InvalidCursor(f"not a status cursor: {cursor!r}")
    return parsed


@dataclass(frozen=True, slots=True)
class StatusEvent:
    program_id: int
    session_id: int
    status: GenerationStatus
    error: str | None
    attempt: int
    at: dt.datetime
    cursor: str

    @property
    def position(self) -> tuple[int, int]:
        return parse_cursor(self.cursor)


def _fields(change: StatusChange) -> dict[str, str]:
    return {
        "program_id": str(change.program_id),
        "session_id": str(change.session_id),
        "status": change.status.value,
        "error": change.error or "",
        "attempt": str(change.attempt),
        "at": change.at.isoformat(),
    }


def decode_event(entry_id: bytes | str, fields: dict[bytes, bytes]) -> StatusEvent:
    text = {k.decode(): v.decode() for k, v in fields.items()}
    return StatusEvent(
        program_id=int(text["program_id"]),
        session_id=int(text["session_id"]),
        status=GenerationStatus(text["status"]),
        error=text["error"] or None,
        attempt=int(text["attempt"]),
        at=dt.datetime.fromisoformat(text["at"]),
        cursor=entry_id.decode() if isinstance(entry_id, bytes) else entry_id,
    )


class StatusEventPublisher:
    """Appends committed changes to the program's stream. Usable as a ``StatusListener``."""

    def __init__(self, redis: Redis, *, maxlen: int = DEFAULT_MAXLEN) -> None:
        self._redis = redis
        self._maxlen = maxlen

    async def __call__(self, change: StatusChange) -> None:
        await self._redis.xadd(
            stream_key(change.program_id), _fields(change), maxlen=self._maxlen, approximate=True
        )


async def latest_cursor(redis: Redis, program_id: int) -> str:
    """The cursor of the newest event, or ``0-0`` when the program has none yet."""
    entries = await redis.xrevrange(stream_key(program_id), count=1)
    if not entries:
        return "0-0"
    entry_id = entries[0][0]
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


async def oldest_cursor(redis: Redis, program_id: int) -> str | None:
    entries = await redis.xrange(stream_key(program_id), count=1)
    if not entries:
        return None
    entry_id = entries[0][0]
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


async def events_after(redis: Redis, program_id: int, after: str, *, count: int = 1000) -> list[StatusEvent]:
    """Events strictly after ``after``, oldest first, at most ``count``."""
    parse_cursor(after)
    entries = await redis.xrange(stream_key(program_id), min=f"({after}", max="+", count=count)
    return [decode_event(entry_id, fields) for entry_id, fields in entries]


async def cursor_is_resumable(
    redis: Redis, program_id: int, after: str, *, maxlen: int = DEFAULT_MAXLEN
) -> bool:
    """True when every event after ``after`` is still in the stream, so resuming misses nothing.

    False for a cursor older than a trimmed stream reaches, newer than its newest event, or from
    before Redis lost the stream: the client then needs a fresh snapshot from PostgreSQL.
    """
    position = parse_cursor(after)
    key = stream_key(program_id)
    length = await redis.xlen(key)
    latest = await latest_cursor(redis, program_id)
    if length == 0:
        return position == (0, 0)
    if position > parse_cursor(latest):
        return False
    oldest = await oldest_cursor(redis, program_id)
    if oldest is not None and position >= parse_cursor(oldest):
        return True
    # Older than the oldest entry: complete only if nothing was ever trimmed (MAXLEN ~ trims only
    # once the stream is longer than maxlen, and nothing else deletes entries).
    return length < maxlen
