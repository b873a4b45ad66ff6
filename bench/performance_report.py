"""``bench.performance``'s one table: liftplan's figure, the floor from the same run, the ratio,
issue 13's target and whether it was met; printed, and written into BENCHMARKS.md."""

import datetime as dt
import os
import platform
import statistics
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import psutil

from bench.blocking_check import BlockingResult
from bench.common import CONFIGS, EXPECTED_SESSIONS, ROOT, BenchError, Config, RunResult
from bench.create_program_floor import CreateTimes
from bench.generation_floors import GenerationFloors
from bench.http_load import LoadResult
from bench.report import render_table

BENCHMARKS = ROOT / "BENCHMARKS.md"
START, END = "<!-- performance: start -->", "<!-- performance: end -->"
HEADERS = ("what", "liftplan", "floor (same run)", "ratio", "target", "")
PACKAGES = ("strawberry-graphql", "starlette", "uvicorn", "sqlalchemy", "asyncpg", "arq", "redis", "orjson")


@dataclass
class Figures:
    generation: dict[Config, list[RunResult]] = field(default_factory=dict)
    floors: GenerationFloors | None = None
    create: dict[int, CreateTimes] = field(default_factory=dict)  # by sessions
    view: dict[str, LoadResult] = field(default_factory=dict)
    blocking: BlockingResult | None = None
    allowed: tuple[int, BlockingResult] | None = None  # the largest page the cost limit lets through
    view_blocking: tuple[int, BlockingResult] | None = None  # the program view (sessions), cold
    blocking_programs: int = 0
    runtime_s: float = 0.0
    machine_busy: float = 0.0  # share of all cores busy over the run, ours included (0-100)


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def load_text(r: LoadResult, *, p99: bool = True) -> str:
    rps = f"{r.rps:,.1f}" if r.rps < 100 else f"{r.rps:,.0f}"
    text = f"{rps} req/s, p50 {r.p50:.1f} ms"
    return text + (f", p99 {r.p99:.1f} ms" if p99 else "")


def _generation_rows(f: Figures) -> list[list[str]]:
    a, b = (f.generation.get(c, []) for c in CONFIGS[:2])
    floors = f.floors
    if not a or floors is None:
        return []
    raw, orm = floors.asyncpg, floors.orm
    median_a = statistics.median(r.last_s for r in a)
    cpus = [r.cpu.workers for r in a if r.cpu is not None]
    cpu_ms = 1000 * statistics.median(cpus) / EXPECTED_SESSIONS if cpus else float("nan")
    rate_a = EXPECTED_SESSIONS / median_a
    rows = [
        [
            f"84-session program, creation to 84th COMPLETE, 1 worker (median of {len(a)})",
            f"{median_a:.3f} s",
            f"84 transactions: asyncpg {raw.wall_s:.3f} s, ORM {orm.wall_s:.3f} s",
            f"{median_a / raw.wall_s:.1f}x / {median_a / orm.wall_s:.1f}x",
            "under 0.5 s and at most 3x the floor (asyncpg)",
            verdict(median_a < 0.5 and median_a <= 3 * raw.wall_s),
        ],
        [
            "worker CPU per session, 1 worker",
            f"{cpu_ms:.1f} ms",
            f"one session's transaction: asyncpg {raw.cpu_ms:.2f} ms, ORM {orm.cpu_ms:.2f} ms",
            f"{cpu_ms / raw.cpu_ms:.1f}x / {cpu_ms / orm.cpu_ms:.1f}x",
            "at most 3 ms",
            verdict(cpu_ms <= 3),
        ],
        [
            "throughput, 1 worker",
            f"{rate_a:.0f} sessions/s",
            f"arq no-op jobs {floors.arq_jobs_per_s:,.0f}/s at poll 0.01 s ({floors.arq_jobs:,} jobs)",
            f"{rate_a / floors.arq_jobs_per_s:.0%}",
            "at least 400 sessions/s",
            verdict(rate_a >= 400),
        ],
    ]
    if b:
        rate_b = EXPECTED_SESSIONS / statistics.median(r.last_s for r in b)
        rows.append(
            [
                f"throughput, 2 workers ({os.cpu_count()} cores)",
                f"{rate_b:.0f} sessions/s ({rate_b / rate_a:.2f}x 1 worker)",
                "as above",
                f"{rate_b / floors.arq_jobs_per_s:.0%}",
                "at least 400 sessions/s, more than 1 worker",
                verdict(rate_b >= 400 and rate_b > rate_a),
            ]
        )
    return rows


def _view_rows(f: Figures) -> list[list[str]]:
    v = f.view
    if not v:
        return []
    rows = [
        [
            "load generator's ceiling: GET /ping (starlette, uvicorn), 1 / 16 clients",
            f"{load_text(v['ceiling 1'])} / {load_text(v['ceiling 16'])}",
            "-",
            "-",
            "-",
            "",
        ]
    ]
    for n in sorted({int(k.split()[1]) for k in v if k.startswith("liftplan ")}):
        for clients in (1, 16):
            cold, warm = v.get(f"liftplan {n} cold {clients}"), v.get(f"liftplan {n} warm {clients}")
            a, b = v.get(f"floor_a {n} {clients}"), v.get(f"floor_b {n} {clients}")
            if cold is None or warm is None or a is None or b is None:
                continue
            size = f", {cold.response_bytes / 1024:.0f} KB" if clients == 1 else ""
            scope = f"program view, {n} sessions, {clients} client{'s' if clients > 1 else ''}"
            one = clients == 1
            rows.append(
                [
                    f"{scope}, cold (a status change before each request)",
                    load_text(cold) + size,
                    f"(a) Strawberry over plain objects: {load_text(a, p99=False)}",
                    f"p50 {cold.p50 / a.p50:.2f}x" + ("" if one else f", req/s {cold.rps / a.rps:.2f}x"),
                    "p50 at most 1.3x (a)" if one else "-",
                    verdict(cold.p50 <= 1.3 * a.p50) if one else "",
                ]
            )
            base = v.get(f"liftplan 84 warm {clients}")
            growth = warm.p50 / base.p50 if base is not None and n != 84 else None
            flat = growth is None or growth <= 1.5
            warm_target = "p50 at most 2x (b)" + (", flat (at most 1.5x the 84's)" if growth else "")
            rows.append(
                [
                    f"{scope}, warm (same request again)",
                    load_text(warm) + (f"; {growth:.2f}x the 84-session p50" if growth else ""),
                    f"(b) asyncpg + orjson route: {load_text(b, p99=False)}",
                    f"p50 {warm.p50 / b.p50:.2f}x" + ("" if one else f", req/s {warm.rps / b.rps:.2f}x"),
                    warm_target if one else "-",
                    verdict(warm.p50 <= 2 * b.p50 and flat) if one else "",
                ]
            )
    return rows


def _other_rows(f: Figures) -> list[list[str]]:
    rows = []
    for n, t in sorted(f.create.items()):
        rows.append(
            [
                f"createProgram, {n} sessions, GraphQL over HTTP (median of {len(t.liftplan_s)})",
                f"{1000 * t.liftplan_median:.1f} ms",
                f"one transaction with COPY: {1000 * t.floor_median:.1f} ms",
                f"{t.liftplan_median / t.floor_median:.1f}x",
                "under 30 ms" if n >= 312 else "-",
                verdict(t.liftplan_median < 0.030) if n >= 312 else "",
            ]
        )
    if (b := f.blocking) is not None:
        answer = f"refused, {b.code}" if b.code else f"answered with data ({b.response_bytes / 1024:,.0f} KB)"
        rows.append(
            [
                f"blocking check: programs(first: 100) down to every movement, {f.blocking_programs} "
                "programs of 84 sessions",
                f"{1000 * b.request_s:.0f} ms, HTTP {b.status}, {answer}; /healthz worst "
                f"{b.healthz_worst_ms:.1f} ms ({b.healthz_checks} checks every 10 ms)",
                "-",
                "-",
                "refused with a clear code; /healthz under 50 ms",
                verdict(b.code is not None and b.healthz_worst_ms < 50),
            ]
        )
    extra: list[tuple[str, BlockingResult]] = []
    if f.allowed is not None:
        extra.append(
            (f"programs(first: {f.allowed[0]}), the largest page the cost limit allows", f.allowed[1])
        )
    if f.view_blocking is not None:
        extra.append((f"program view, {f.view_blocking[0]} sessions, cold", f.view_blocking[1]))
    for what, b in extra:
        rows.append(
            [
                f"blocking check: {what}",
                f"{1000 * b.request_s:.0f} ms, HTTP {b.status}, {b.code or 'answered'}, "
                f"{b.response_bytes / 1024:,.0f} KB; /healthz worst {b.healthz_worst_ms:.1f} ms "
                f"({b.healthz_checks} checks)",
                "-",
                "-",
                "/healthz under 50 ms",
                verdict(b.healthz_worst_ms < 50),
            ]
        )
    return rows


def rows(f: Figures) -> list[list[str]]:
    return [*_generation_rows(f), *_view_rows(f), *_other_rows(f)]


def machine() -> str:
    def package(name: str) -> str:
        try:
            return f"{name} {version(name)}"
        except PackageNotFoundError:
            return f"{name} (not installed)"

    memory = psutil.virtual_memory().total / 1024**3
    return f"{os.cpu_count()} cores, {memory:.0f} GiB; Python {platform.python_version()}; " + ", ".join(
        package(p) for p in PACKAGES
    )


def header(f: Figures, command: str) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"Measured {when} with `{command}` ({f.runtime_s / 60:.1f} min; all cores {f.machine_busy:.0f}% "
        f"busy over the run, this run's processes included); machine: {machine()}."
    )


def render_text(f: Figures, command: str) -> str:
    return header(f, command) + "\n\n" + render_table(HEADERS, rows(f))


def markdown(f: Figures) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows(f)])


def write_benchmarks(f: Figures, command: str) -> None:
    """Replace what is between the markers in BENCHMARKS.md; without them, append a section."""
    block = "\n".join([START, header(f, command), "", markdown(f), END])
    current = BENCHMARKS.read_text()
    if START not in current:
        section = (
            "\n## Performance (`bench.performance`)\n\n"
            "Issue 13's table from one run; how each figure and floor is measured is in "
            "[`bench/README.md`](bench/README.md#performance-issue-13s-table-in-one-command).\n\n"
        )
        BENCHMARKS.write_text(current.rstrip("\n") + "\n" + section + block + "\n")
        return
    if END not in current:
        raise BenchError(f"{BENCHMARKS} has {START} but no {END}")
    before, rest = current.split(START, 1)
    BENCHMARKS.write_text(before + block + rest.split(END, 1)[1])
