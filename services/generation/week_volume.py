"""What a drafted week holds, measured: working sets per major muscle group and push:pull sets,
and whether that ratio is in range. ``volume_balance`` and ``floor_swaps`` move sets by these."""

from collections.abc import Mapping, Sequence

from services.generation.muscle_volume import PUSH_PULL_RANGE, MuscleGroup, group_shares, push_pull
from services.generation.session_drafting import DraftExercise

Week = list[list[DraftExercise]]


def shares(ex: DraftExercise) -> Mapping[MuscleGroup, float]:
    return group_shares(ex.pattern, ex.primary_muscles)


def weekly_sets(days: Sequence[Sequence[DraftExercise]]) -> dict[MuscleGroup, float]:
    """Working sets per major group over the week (secondary muscles count half)."""
    volume = dict.fromkeys(MuscleGroup, 0.0)
    for day in days:
        for ex in day:
            for group, share in shares(ex).items():
                volume[group] += share * ex.sets
    return volume


def push_pull_sets(days: Sequence[Sequence[DraftExercise]]) -> tuple[int, int]:
    push = sum(ex.sets for day in days for ex in day if push_pull(ex.pattern) > 0)
    pull = sum(ex.sets for day in days for ex in day if push_pull(ex.pattern) < 0)
    return push, pull


def ratio_ok(push: int, pull: int) -> bool:
    low, high = PUSH_PULL_RANGE
    return push == 0 or pull == 0 or low <= push / pull <= high
