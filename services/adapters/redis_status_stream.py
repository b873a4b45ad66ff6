"""Status events on Redis: one stream for every program, fed by the relay, read by API processes.

Redis is the transport only; the log is in PostgreSQL (``services.live.status_log``). One stream
(``liftplan:status-events``) means each API process reads Redis with one connection, whatever it
watches. Entries carry the program id and sequence number; readers drop what they have already
seen and fetch what they missed from PostgreSQL.

Appends go through a Lua script that keeps each program's entries in sequence order: it appends
an event only if it is the next one after the last appended for that program (kept in
``liftplan:status-head:<program>``), skips ones already appended, and stops at a gap, leaving the
rest for when the missing event has been appended. When Redis has lost that key (restarted
empty) it accepts whatever comes next; readers then fill the gap from PostgreSQL.
"""

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis

from models import GenerationStatus
from services.live.status_log import StatusEvent

STREAM_KEY = "liftplan:status-events"
HEAD_PREFIX = "liftplan:status-head:"
HEAD_TTL_S = 86_400
DEFAULT_MAXLEN = 10_000

_APPEND_IN_ORDER = """
local head = tonumber(redis.call('GET', KEYS[2]) or '0')
for i = 4, #ARGV, 2 do
  local seq = tonumber(ARGV[i])
  if head == 0 or seq == head + 1 then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'p', ARGV[3], 's', ARGV[i], 'd', ARGV[i + 1])
    head = seq
  elseif seq > head + 1 then
    break
  end
end
redis.call('SET', KEYS[2], head, 'EX', ARGV[2])
return head
"""


def _payload(event: StatusEvent) -> str:
    return json.dumps(
        [event.session_id, event.status.value, event.error, event.attempt, event.at.isoformat()],
        separators=(",", ":"),
    )


def decode_entry(fields: dict[bytes, bytes]) -> StatusEvent:
    session_id, status, error, attempt, at = json.loads(fields[b"d"])
    return StatusEvent(
        program_id=int(fields[b"p"]),
        session_id=int(session_id),
        status=GenerationStatus(status),
        error=error,
        attempt=int(attempt),
        at=dt.datetime.fromisoformat(at),
        seq=int(fields[b"s"]),
    )


def entry_program(fields: dict[bytes, bytes]) -> int:
    """The program an entry belongs to, without decoding the rest."""
    return int(fields[b"p"])


class StatusStream:
    """Appending to and reading from the status stream on one Redis client."""

    def __init__(self, redis: Redis, *, maxlen: int = DEFAULT_MAXLEN) -> None:
        self.redis = redis
        self._maxlen = maxlen
        self._append = redis.register_script(_APPEND_IN_ORDER)

    async def append(self, events: Sequence[StatusEvent]) -> dict[int, int]:
        """Append events (sorted by program, then sequence) in one round trip; returns, per
        program, the last sequence number now in the stream (events above it were not appended)."""
        by_program: dict[int, list[StatusEvent]] = {}
        for event in events:
            by_program.setdefault(event.program_id, []).append(event)
        async with self.redis.pipeline(transaction=False) as pipe:
            for program_id, batch in by_program.items():
                args: list[Any] = [self._maxlen, HEAD_TTL_S, program_id]
                for event in batch:
                    args += [event.seq, _payload(event)]
                await self._append(keys=[STREAM_KEY, f"{HEAD_PREFIX}{program_id}"], args=args, client=pipe)
            heads = await pipe.execute()
        return {program_id: int(head) for program_id, head in zip(by_program, heads, strict=True)}

    async def last_entry_id(self) -> str:
        """Where a reader starting now should read from (the newest entry, or the beginning)."""
        newest = await self.redis.xrevrange(STREAM_KEY, count=1)
        if not newest:
            return "0-0"
        entry_id = newest[0][0]
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def read(
        self, after_id: str, *, block_ms: int, count: int = 1000
    ) -> list[tuple[str, dict[bytes, bytes]]]:
        """Entries after ``after_id``, waiting up to ``block_ms`` for the first."""
        response = await self.redis.xread({STREAM_KEY: after_id}, block=block_ms, count=count)
        entries: list[tuple[str, dict[bytes, bytes]]] = []
        for _stream, items in response or []:
            for entry_id, fields in items:
                entries.append((entry_id.decode() if isinstance(entry_id, bytes) else entry_id, fields))
        return entries
