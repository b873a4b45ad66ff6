"""CPU seconds per process from /proc, to show what else was using the machine during a run."""

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# --- CPU accounting from /proc (Linux, local servers; figures are None otherwise) ------------------
#
# Other processes may share the machine (test suites with their own embedded servers, say), so
# only these are counted: the worker processes, the Redis server we use (its pid from INFO), and
# the PostgreSQL processes serving our database (its client backends and autovacuum workers) plus
# the server's shared background processes (WAL writer, checkpointer...). What the machine spent
# beyond those shows up as "other".

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
HAVE_PROC = Path("/proc/stat").exists()

PG_PIDS_SQL = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL")


def _process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of one process, None when it is not visible here."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # fields from the 3rd (state) on
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _cpu_by_pid(pids: Sequence[int]) -> dict[int, float]:
    return {pid: cpu for pid in pids if (cpu := _process_cpu_s(pid)) is not None}


def _machine_busy_s() -> float:
    """CPU seconds all cores spent busy since boot (everything but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / CLOCK_TICKS  # guest is already in user


@dataclass(frozen=True)
class CpuSample:
    workers: dict[int, float]
    postgres: dict[int, float]
    redis: dict[int, float]
    bench: float
    machine_busy_s: float
    at: float

    @staticmethod
    async def take(
        factory: async_sessionmaker[AsyncSession], redis_pid: int, worker_pids: Sequence[int]
    ) -> "CpuSample | None":
        if not HAVE_PROC:
            return None
        async with factory() as db:
            pg_pids = list((await db.scalars(PG_PIDS_SQL)).all())
        postgres = _cpu_by_pid(pg_pids)
        if not postgres:  # PostgreSQL runs elsewhere (or in another PID namespace)
            return None
        return CpuSample(
            workers=_cpu_by_pid(worker_pids),
            postgres=postgres,
            redis=_cpu_by_pid([redis_pid]),
            bench=time.process_time(),
            machine_busy_s=_machine_busy_s(),
            at=time.perf_counter(),
        )


def _delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two samples by the processes alive at the second (new ones from 0)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds spent during one run by process group, and by everything else on the machine."""

    workers: float
    postgres: float
    redis: float
    bench: float
    other: float
    wall: float

    @property
    def machine_busy(self) -> float:
        """Share of all cores busy (1.0 = every core busy the whole time)."""
        ours = self.workers + self.postgres + self.redis + self.bench
        return (ours + self.other) / (self.wall * (os.cpu_count() or 1)) if self.wall else 0.0

    @staticmethod
    def between(before: CpuSample | None, after: CpuSample | None) -> "CpuUse | None":
        if before is None or after is None:
            return None
        workers = _delta(before.workers, after.workers)
        postgres = _delta(before.postgres, after.postgres)
        redis = _delta(before.redis, after.redis)
        bench = after.bench - before.bench
        busy = after.machine_busy_s - before.machine_busy_s
        return CpuUse(
            workers=workers,
            postgres=postgres,
            redis=redis,
            bench=bench,
            other=max(0.0, busy - workers - postgres - redis - bench),
            wall=after.at - before.at,
        )
