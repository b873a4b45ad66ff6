"""Swap an accessory for one that trains a group the balanced week leaves short.

``volume_balance`` only moves sets between the movements a week already has; when none of them
trains a group enough (three full-body days with no hinge left after the time budget, a split
whose accessories all load the same groups) no trade reaches the floor. A coach then swaps an
accessory: here the last accessory of a day whose groups keep their floors and their two days
without it becomes a movement whose first listed muscle is in the short group, on the day that
trains that group least, with the same role's prescription. A swap is kept only when the week,
balanced again, is nearer its floors and its twice-a-week frequency (Schoenfeld et al. 2016).

Deterministic: days, slots and candidates are walked in a fixed order (candidates by preference,
then a stable seed per program, week and group), never by ``hash()``.
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from models.enums import Phase
from services.generation.movement_selection import (
    CandidateIndex,
    accessory_preference,
    candidates_by_pattern,
    stable_seed,
)
from services.generation.muscle_volume import MuscleGroup, VolumeRange, group_shares
from services.generation.programming_rules import SlotRole, exercise_seconds
from services.generation.session_drafting import DraftExercise, ProgramParams, exercise_for
from services.generation.week_volume import Week, push_pull_sets, ratio_ok, shares, weekly_sets
from services.library.movement_catalogue import MovementSpec

MAX_SWAPS = 4
"""A week keeps most of its drafted accessories: a few swaps reach the floors where any can."""
MAX_TRIALS = 6
"""Swaps tried (each balances the week again) before a week is left as it is: planning stays fast."""

Balance = Callable[[Week], Week]


def deficit(week: Sequence[Sequence[DraftExercise]], volume_range: VolumeRange) -> tuple[float, int]:
    """Sets the week's groups are short of their floor, and groups trained on fewer than two days
    (counted only when the week has three or more days)."""
    volume = weekly_sets(week)
    short = sum(max(0.0, volume_range.floor - sets) for sets in volume.values())
    return short, sum(_days(week, g) < 2 for g in MuscleGroup) if len(week) >= 3 else 0


def _days(week: Sequence[Sequence[DraftExercise]], group: MuscleGroup) -> int:
    return sum(any(group in shares(ex) for ex in day) for day in week)


@dataclass(frozen=True, slots=True)
class Swap:
    """On day ``day`` (0-based in the week), ``old`` (a movement name) becomes ``new``."""

    day: int
    old: str
    new: MovementSpec


def apply_swaps(
    params: ProgramParams, week_index: int, phase: Phase, drafted: Week, swaps: Sequence[Swap]
) -> Week:
    """``drafted`` with the swaps of an earlier week of the same accessory rotation made again
    (prescribed for this week), so accessories hold for their weeks; a swap whose movement is not
    in the day as an accessory (or whose new one already is) is skipped."""
    week = [list(day) for day in drafted]
    for swap in swaps:
        day = week[swap.day] if swap.day < len(week) else []
        at = next((i for i, ex in enumerate(day) if ex.movement_name == swap.old), None)
        if at is None or day[at].is_main_lift or any(ex.movement_name == swap.new.name for ex in day):
            continue  # (a rotation spans blocks: an accessory of one can be the next one's main lift)
        new = _replacement(params, week_index, phase, day[at], swap.new)
        if new is not None:
            day[at] = new
    return week


def swap_towards_floors(
    params: ProgramParams,
    week_index: int,
    phase: Phase,
    drafted: Week,
    balanced: Week,
    catalogue: Sequence[MovementSpec],
    volume_range: VolumeRange,
    balance: Balance,
) -> tuple[Week, tuple[Swap, ...]]:
    """``balanced`` (the balance of ``drafted``) with up to MAX_SWAPS accessories swapped, each
    lowering the week's ``deficit`` (``drafted`` is swapped alike and balanced again), and the swaps."""
    swaps: list[Swap] = []
    if len(balanced) < 3:
        return balanced, ()  # one or two days cannot hold every floor twice a week anyway
    for _ in range(MAX_SWAPS):
        now = deficit(balanced, volume_range)
        if now == (0.0, 0):
            break
        swapped = _one_swap(
            params, week_index, phase, drafted, balanced, catalogue, volume_range, balance, now
        )
        if swapped is None:
            break
        drafted, balanced, swap = swapped
        swaps.append(swap)
    return balanced, tuple(swaps)


def _one_swap(
    params: ProgramParams,
    week_index: int,
    phase: Phase,
    drafted: Week,
    balanced: Week,
    catalogue: Sequence[MovementSpec],
    volume_range: VolumeRange,
    balance: Balance,
    now: tuple[float, int],
) -> tuple[Week, Week, Swap] | None:
    volume = weekly_sets(balanced)
    wanted = [g for g in MuscleGroup if volume[g] < volume_range.floor or _days(balanced, g) < 2]
    wanted.sort(key=lambda g: (volume[g] - volume_range.floor, g.value))
    by_pattern = candidates_by_pattern(catalogue, params.equipment, params.level)
    trials = 0
    for group in wanted:
        options = _options(by_pattern, group, (params.program_id, week_index, group.value))
        days = sorted(range(len(balanced)), key=lambda d: (_load(balanced[d], group), d))
        for d in days:
            names = {ex.movement_name for ex in drafted[d]}
            spec = next((s for s in options if s.name not in names), None)
            if spec is None:
                continue
            for i in reversed(range(len(drafted[d]))):
                old = drafted[d][i]
                if old.is_main_lift or group in shares(old):
                    continue
                new = _replacement(params, week_index, phase, old, spec)
                if new is None or not _helps(balanced, d, old, new, volume_range, now):
                    continue
                trial = [list(day) for day in drafted]
                trial[d][i] = new
                rebalanced = balance(trial)
                if deficit(rebalanced, volume_range) < now and (
                    ratio_ok(*push_pull_sets(rebalanced)) or not ratio_ok(*push_pull_sets(balanced))
                ):
                    return trial, rebalanced, Swap(d, old.movement_name, spec)
                trials += 1
                if trials >= MAX_TRIALS:
                    return None
    return None


def _helps(
    balanced: Week,
    d: int,
    old: DraftExercise,
    new: DraftExercise,
    volume_range: VolumeRange,
    now: tuple[float, int],
) -> bool:
    """A cheap screen before balancing again: the swap, made in the balanced week with the old
    exercise's sets, lowers the deficit."""
    day = balanced[d]
    at = next((k for k, ex in enumerate(day) if ex.movement_name == old.movement_name), None)
    if at is None:
        return False
    week = [list(x) for x in balanced]
    week[d][at] = replace(new, sets=max(1, min(new.sets, day[at].sets)))
    return deficit(week, volume_range) < now


def _options(
    by_pattern: CandidateIndex, group: MuscleGroup, seed: tuple[int | str, ...]
) -> list[MovementSpec]:
    """Movements whose first listed muscle is in ``group``: the preferred tier first, isolation
    before compound (a swap should add the least fatigue), in a stable seeded order."""
    fitting = [
        spec
        for specs in by_pattern.values()
        for spec in specs
        if next(iter(group_shares(spec.pattern, spec.primary_muscles)), None) is group
    ]
    random.Random(stable_seed(*seed)).shuffle(fitting)
    best = max((accessory_preference(s) for s in fitting), default=(0, 0))
    return sorted(fitting, key=lambda s: (accessory_preference(s) != best, s.is_compound))


def _load(day: Sequence[DraftExercise], group: MuscleGroup) -> float:
    return sum(shares(ex).get(group, 0.0) * ex.sets for ex in day)


def _replacement(
    params: ProgramParams, week_index: int, phase: Phase, old: DraftExercise, spec: MovementSpec
) -> DraftExercise | None:
    """The new movement with its role's prescription, no more sets nor seconds than the old one;
    None when even one set takes longer."""
    role = SlotRole.ACCESSORY if spec.is_compound else SlotRole.ISOLATION
    new = exercise_for(params, week_index, phase, role, spec)
    new = replace(new, sets=min(new.sets, old.sets))
    while new.sets > 1 and exercise_seconds(new) > exercise_seconds(old):
        new = replace(new, sets=new.sets - 1)
    return new if exercise_seconds(new) <= exercise_seconds(old) else None
