"""What ``bench.live_watchers`` runs and measures: a case, the figures of one run of it, and the
table of them, printed or written into BENCHMARKS.md between its markers."""

import datetime as dt
import os
import platform
from dataclasses import dataclass, field
from importlib.metadata import version

import psutil

from bench.common import ROOT, BenchError
from bench.report import render_table


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    watchers: int
    programs: int
    weeks: int
    days: int
    rounds: int  # regenerations of every program

    @property
    def sessions(self) -> int:
        return self.weeks * self.days

    @property
    def events(self) -> int:
        return self.programs * self.sessions * 3 * self.rounds  # PENDING, IN_PROGRESS, COMPLETE


CASES = (
    Case("A", "1,000 watchers of one program", 1000, 1, 12, 7, 1),
    Case("B", "1,000 watchers over 100 programs", 1000, 100, 4, 3, 3),
    Case("C", "10 watchers of one program", 10, 1, 12, 7, 1),
)
STRETCH = Case("D", "10,000 watchers over 100 programs (stretch)", 10_000, 100, 4, 3, 1)


@dataclass
class Result:
    case: Case
    ready_s: float = 0.0
    latency: dict[str, float] = field(default_factory=dict)
    floor: tuple[float, float] = (0.0, 0.0)
    ceiling: dict[str, float] = field(default_factory=dict)
    event_rate: float = 0.0
    rss_idle: int = 0
    rss_connected: int = 0
    rss_first: int = 0
    rss_last: int = 0
    rss_left: int = 0
    redis_connections: tuple[int, int] = (0, 0)  # idle, with the watchers
    # CPU seconds from the first regeneration to the last receipt: the API, the worker, the
    # watch client; and how busy the whole machine was meanwhile (all cores, 0-100%).
    api_cpu_s: float = 0.0
    worker_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    machine_busy: float = 0.0

    @property
    def cpu_by_process(self) -> tuple[float, float, float]:
        return (self.api_cpu_s, self.worker_cpu_s, self.client_cpu_s)

    @property
    def messages(self) -> int:
        """Events times the watchers of their program: what the API writes to sockets."""
        return self.case.events * (self.case.watchers // self.case.programs)

    @property
    def kb_per_connection(self) -> float:
        return (self.rss_connected - self.rss_idle) / 1024 / self.case.watchers


def mb(value: int) -> str:
    return f"{value / 1024 / 1024:.0f}"


COLUMNS = (
    ("case", lambda r: r.case.key),
    ("watchers", lambda r: f"{r.case.watchers:,}"),
    ("programs", lambda r: str(r.case.programs)),
    ("events", lambda r: f"{r.case.events:,}"),
    ("events/s", lambda r: f"{r.event_rate:.0f}"),
    ("ready s", lambda r: f"{r.ready_s:.2f}"),
    ("p50 ms", lambda r: f"{r.latency['p50']:.0f}"),
    ("p99 ms", lambda r: f"{r.latency['p99']:.0f}"),
    ("mean ms", lambda r: f"{r.latency['mean']:.0f}"),
    ("floor p50/p99 ms", lambda r: f"{r.floor[0]:.1f} / {r.floor[1]:.1f}"),
    ("client ceiling p50/p99 ms", lambda r: f"{r.ceiling['p50']:.0f} / {r.ceiling['p99']:.0f}"),
    ("p99 / ceiling p99", lambda r: f"{r.latency['p99'] / max(r.ceiling['p99'], 0.001):.0f}x"),
    (
        "CPU s API / worker / client",
        lambda r: f"{r.api_cpu_s:.2f} / {r.worker_cpu_s:.2f} / {r.client_cpu_s:.2f}",
    ),
    ("machine busy %", lambda r: f"{r.machine_busy:.0f}"),
    ("messages", lambda r: f"{r.messages:,}"),
    ("KB/conn", lambda r: f"{r.kb_per_connection:.1f}"),
    ("RSS MB after 100 events -> end", lambda r: f"{mb(r.rss_first)} -> {mb(r.rss_last)}"),
    (
        "RSS MB idle -> watching -> left",
        lambda r: " -> ".join(mb(v) for v in (r.rss_idle, r.rss_connected, r.rss_left)),
    ),
    ("Redis conns idle/watching", lambda r: f"{r.redis_connections[0]} / {r.redis_connections[1]}"),
)


def render(results: list[Result]) -> str:
    headers = [name for name, _ in COLUMNS]
    return render_table(headers, [[cell(r) for _, cell in COLUMNS] for r in results])


def markdown(results: list[Result]) -> str:
    headers = [name for name, _ in COLUMNS]
    rows = [[cell(r) for _, cell in COLUMNS] for r in results]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


BENCHMARKS = ROOT / "BENCHMARKS.md"
START, END = "<!-- live_watchers: start -->", "<!-- live_watchers: end -->"


def write_benchmarks(results: list[Result], arguments: str) -> None:
    """Replace the table between the markers in BENCHMARKS.md (the prose around it stays)."""
    command = f".venv/bin/python -m bench.live_watchers {arguments}".strip()
    block = "\n".join(
        [
            START,
            f"Measured {dt.date.today().isoformat()} with `{command}`; machine: {machine()}.",
            "",
            markdown(results),
            END,
        ]
    )
    current = BENCHMARKS.read_text() if BENCHMARKS.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in current or END not in current:
        raise BenchError(f"{BENCHMARKS} has no {START} ... {END} markers to write between")
    before, rest = current.split(START, 1)
    after = rest.split(END, 1)[1]
    BENCHMARKS.write_text(before + block + after)


def machine() -> str:
    memory = psutil.virtual_memory().total / 1024**3
    packages = ("strawberry-graphql", "uvicorn", "websockets", "redis", "sqlalchemy", "asyncpg")
    versions = ", ".join(f"{name} {version(name)}" for name in packages)
    return f"{os.cpu_count()} cores, {memory:.0f} GiB; Python {platform.python_version()}; {versions}"
