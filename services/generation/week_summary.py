"""A week at a glance for a coach: working sets per major muscle group, push:pull, average intensity.

Pure: it reads what an exercise prescribes and its movement's pattern and muscles, so the CLI can
summarise stored sessions and the tests drafted ones with the same rules as the week planner
(``services.generation.muscle_volume``).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from models.enums import Pattern
from services.generation.muscle_volume import MuscleGroup, group_shares, push_pull


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One exercise as the summary needs it."""

    pattern: Pattern
    primary_muscles: Sequence[str]
    sets: int
    target_rpe: Decimal | None
    target_percent_1rm: int | None


@dataclass(frozen=True, slots=True)
class WeekSummary:
    sets_per_group: dict[MuscleGroup, float]
    push_sets: int
    pull_sets: int
    average_rpe: Decimal | None  # weighted by sets
    average_percent_1rm: Decimal | None

    def describe(self) -> str:
        groups = ", ".join(f"{g.value} {sets:g}" for g, sets in self.sets_per_group.items())
        ratio = f" ({self.push_sets / self.pull_sets:.2f})" if self.pull_sets else ""
        intensity = [
            f"RPE {self.average_rpe}" if self.average_rpe is not None else "",
            f"{self.average_percent_1rm}% 1RM" if self.average_percent_1rm is not None else "",
        ]
        return (
            f"sets per muscle: {groups}; push:pull {self.push_sets}:{self.pull_sets}{ratio}; "
            f"average intensity: {' / '.join(i for i in intensity if i) or 'none'}"
        )


def summarise(rows: Iterable[SummaryRow]) -> WeekSummary:
    sets = dict.fromkeys(MuscleGroup, 0.0)
    push = pull = 0
    rpe_sum, rpe_sets, pct_sum, pct_sets = Decimal(0), 0, Decimal(0), 0
    for row in rows:
        for group, share in group_shares(row.pattern, tuple(row.primary_muscles)).items():
            sets[group] += share * row.sets
        side = push_pull(row.pattern)
        push += row.sets if side > 0 else 0
        pull += row.sets if side < 0 else 0
        if row.target_rpe is not None:
            rpe_sum, rpe_sets = rpe_sum + row.target_rpe * row.sets, rpe_sets + row.sets
        if row.target_percent_1rm is not None:
            pct_sum, pct_sets = pct_sum + row.target_percent_1rm * row.sets, pct_sets + row.sets
    one = Decimal("0.1")
    return WeekSummary(
        sets,
        push,
        pull,
        (rpe_sum / rpe_sets).quantize(one) if rpe_sets else None,
        (pct_sum / pct_sets).quantize(one) if pct_sets else None,
    )
