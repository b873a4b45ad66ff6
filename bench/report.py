"""The printed tables: medians, ratios to configuration (a), CPU by process."""

import statistics
from collections.abc import Sequence

from bench.common import CONFIGS, EXPECTED_SESSIONS, Config, RunResult

# --- report ----------------------------------------------------------------------------------------


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def report(results: dict[Config, list[RunResult]]) -> str:
    baseline = statistics.median(r.last_s for r in results[CONFIGS[0]]) if CONFIGS[0] in results else None
    rows: list[list[str]] = []
    cpu_rows: list[list[str]] = []
    for config, runs in results.items():
        last = [r.last_s for r in runs]
        median = statistics.median(last)
        rows.append(
            [
                f"({config.key}) {config.label}",
                str(len(runs)),
                f"{median:.3f}",
                f"{min(last):.3f}",
                f"{max(last):.3f}",
                f"{statistics.median(r.first_s for r in runs):.3f}",
                f"{EXPECTED_SESSIONS / median:.1f}",
                f"{median / baseline:.2f}x" if baseline else "-",
            ]
        )
        cpus = [r.cpu for r in runs if r.cpu is not None]
        if cpus:
            cpu_rows.append(
                [
                    f"({config.key}) {config.label}",
                    f"{statistics.median(r.created_s for r in runs):.3f}",
                    f"{statistics.median(c.workers for c in cpus):.2f}",
                    f"{statistics.median(c.postgres for c in cpus):.2f}",
                    f"{statistics.median(c.redis for c in cpus):.2f}",
                    f"{statistics.median(c.bench for c in cpus):.2f}",
                    f"{statistics.median(c.other for c in cpus):.2f}",
                    f"{statistics.median(c.machine_busy for c in cpus):.0%}",
                    f"{1000 * statistics.median(c.workers for c in cpus) / EXPECTED_SESSIONS:.1f}",
                ]
            )
    text = render_table(
        [
            "configuration",
            "runs",
            "median s",
            "min s",
            "max s",
            "1st COMPLETE s",
            "sessions/s",
            "vs (a)",
        ],
        rows,
    )
    if cpu_rows:
        text += (
            "\n\nPer run (medians): create+enqueue time, CPU seconds by process ('other': everything "
            "else on the machine), share of all cores busy\n"
        )
        text += render_table(
            [
                "configuration",
                "create+enqueue s",
                "workers CPU s",
                "postgres CPU s",
                "redis CPU s",
                "bench CPU s",
                "other CPU s",
                "machine busy",
                "worker CPU ms/session",
            ],
            cpu_rows,
        )
    return text
