"""The floor of live delivery: Redis ``XREAD`` fanned out into N in-process queues.

One reader follows a stream and copies each entry into every queue; N consumers take from their
queue and note how long after its ``XADD`` each entry arrived. No GraphQL, no sockets: what any
design built on a Redis stream and an event loop could at best do on this machine.
"""

import asyncio
import time
from array import array

from redis.asyncio import Redis

KEY = "bench:fanout-floor"


async def fanout_floor(redis_url: str, consumers: int, events: int, rate: float) -> array:
    """Latencies (ms) of ``events`` entries, added ``rate`` per second, seen by each consumer."""
    redis = Redis.from_url(redis_url)
    reader_client = Redis.from_url(redis_url)
    await redis.delete(KEY)
    queues: list[asyncio.Queue[float]] = [asyncio.Queue() for _ in range(consumers)]
    latencies = array("d")

    async def consume(queue: asyncio.Queue[float]) -> None:
        for _ in range(events):
            added = await queue.get()
            latencies.append((time.time() - added) * 1000)

    async def read() -> None:
        last = "$"
        seen = 0
        while seen < events:
            for _stream, entries in await reader_client.xread({KEY: last}, block=1000, count=1000) or []:
                for entry_id, fields in entries:
                    last = entry_id
                    seen += 1
                    added = float(fields[b"t"])
                    for queue in queues:
                        queue.put_nowait(added)

    tasks = [asyncio.create_task(consume(q)) for q in queues]
    reader = asyncio.create_task(read())
    await asyncio.sleep(0.2)  # the reader is blocked in XREAD before the first entry
    for _ in range(events):
        await redis.xadd(KEY, {"t": repr(time.time())})
        await asyncio.sleep(1 / rate)  # the event rate asked for
    await asyncio.gather(reader, *tasks)
    await redis.delete(KEY)
    await redis.aclose()
    await reader_client.aclose()
    return latencies
