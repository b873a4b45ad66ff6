"""createProgram: liftplan's mutation over HTTP against its floor, one transaction with COPY.

The floor writes what ``services.programs.creation.add_program`` writes (the program row, one microcycle
per week, one PENDING session per training day) in one transaction through asyncpg: the program
with ``INSERT ... RETURNING``, the microcycles' ids drawn from their sequence in one statement,
then microcycles and sessions each with one ``COPY`` (``copy_records_to_table``). The jobs liftplan
enqueues after its commit are not part of the floor.
"""

import asyncio
import datetime as dt
import statistics
import time
from dataclasses import dataclass

import asyncpg

from bench.common import BenchError
from bench.http_load import Connection
from bench.perf_env import CREATE_PROGRAM, HOST, PerfEnv, program_input
from services.generation.training_splits import phase_for, split_for
from services.programs.creation import DAY_OFFSETS


@dataclass(frozen=True)
class CreateTimes:
    sessions: int
    liftplan_s: list[float]
    floor_s: list[float]
    program_ids: list[int]  # what liftplan created (their jobs are queued)

    @property
    def liftplan_median(self) -> float:
        return statistics.median(self.liftplan_s)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor_s)


async def copy_program(connection: asyncpg.Connection, owner_id: int, weeks: int, days: int) -> int:
    """One transaction: the program, its microcycles and sessions, written with COPY."""
    start = dt.date(2026, 1, 5)
    focuses = split_for(days)
    offsets = DAY_OFFSETS[days]
    async with connection.transaction():
        program_id = await connection.fetchval(
            "INSERT INTO programs (owner_id, name, goal, level, days_per_week, weeks, minutes_per_session, "
            "equipment, start_date) VALUES ($1, 'floor', 'hypertrophy', 'intermediate', $2, $3, 60, "
            "ARRAY['barbell'], $4) RETURNING id",
            owner_id, days, weeks, start,
        )  # fmt: skip
        ids = await connection.fetchval(
            "SELECT array_agg(nextval(pg_get_serial_sequence('microcycles', 'id'))) "
            "FROM generate_series(1, $1)",
            weeks,
        )
        await connection.copy_records_to_table(
            "microcycles",
            columns=["id", "program_id", "index", "phase", "is_active"],
            records=[
                (ids[w - 1], program_id, w, phase_for(w, weeks).value, w == 1) for w in range(1, weeks + 1)
            ],
        )
        await connection.copy_records_to_table(
            "sessions",
            columns=[
                "program_id",
                "microcycle_id",
                "day_index",
                "scheduled_date",
                "focus",
                "generation_status",
            ],
            records=[
                (
                    program_id,
                    ids[w - 1],
                    d,
                    start + dt.timedelta(days=7 * (w - 1) + offsets[d - 1]),
                    focus.value,
                    "PENDING",
                )
                for w in range(1, weeks + 1)
                for d, focus in enumerate(focuses, start=1)
            ],
        )
    return int(program_id)


async def measure(env: PerfEnv, account: str, weeks: int, days: int, runs: int) -> CreateTimes:
    """``runs`` createPrograms over one keep-alive connection (after one unmeasured), then ``runs``
    COPY floors (after one unmeasured) in the floor account."""
    request = env.graphql_bytes(account, CREATE_PROGRAM, {"i": program_input("create bench", weeks, days)})
    liftplan: list[float] = []
    ids: list[int] = []
    connection = await Connection.open(HOST, env.port)
    try:
        for run in range(runs + 1):
            t0 = time.perf_counter()
            async with asyncio.timeout(120):
                status, body = await connection.request(request)
            elapsed = time.perf_counter() - t0
            if status != 200 or b'"program"' not in body:
                raise BenchError(f"createProgram answered {status}: {body[:300]!r}")
            ids.append(int(body.split(b'"id":"', 1)[1].split(b'"', 1)[0]))
            if run:
                liftplan.append(elapsed)
    finally:
        await connection.close()
    floor: list[float] = []
    pg = await asyncpg.connect(env.dsn)
    try:
        for run in range(runs + 1):
            t0 = time.perf_counter()
            async with asyncio.timeout(120):
                await copy_program(pg, env.user_ids["floor"], weeks, days)
            if run:
                floor.append(time.perf_counter() - t0)
    finally:
        await pg.close()
    return CreateTimes(weeks * days, liftplan, floor, ids)
