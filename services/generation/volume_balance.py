"""Balance a week's sets: each major group inside the goal's range, push:pull in range, minutes filled.

The days come in already fitted to their minutes (``session_drafting.fit``); this moves single
sets (dropping an accessory only when a cap cannot be met otherwise) in greedy passes that are
deterministic (ties go to the earlier day and the earlier slot):
1. caps: while a group is over its weekly cap, take a set from the exercise that loads it most
   (accessories before main lifts, the lowest-priority slot first) down to two sets, then drop
   the last accessory that loads it, then go down to one set;
2. push:pull: while the week pushes more than 1.5 sets per pulling set (or less than 0.67), take a
   set from the side that is over in the same way, or else give one to the side that is under;
3. floors and minutes: add a set where it brings a group below its floor closer to it (else trade
   one there from an accessory of any day whose groups keep their floors), then where a session
   is short of its minutes, never breaking a cap, push:pull, a session's minutes or ``MAX_SETS``;
4. rest: a session still short of its minutes gets longer rests, up to ``MAX_REST_SECONDS`` (no cost
   to hypertrophy, a help to strength: Schoenfeld et al. 2016). When the caps bind, volume wins.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from services.generation.muscle_volume import PUSH_PULL_RANGE, MuscleGroup, VolumeRange, push_pull
from services.generation.programming_rules import exercise_seconds
from services.generation.session_drafting import MIN_EXERCISES, DraftExercise
from services.generation.week_volume import Week, push_pull_sets, ratio_ok, shares, weekly_sets

MAX_SETS = 6
"""More hard sets of one exercise in one session add fatigue more than stimulus."""
MAX_UNBALANCED_SETS = 4
"""Core, calves and carries (no major group) are never capped by volume: keep them modest."""
FILL_SHARE = 0.9
"""Sets are added to a short session until its estimate reaches this share of its minutes."""
_EPS = 1e-9
MAX_REST_SECONDS = {"main": 300, "compound": 180, "isolation": 120}


def balance_week(days: Week, minutes: int, volume_range: VolumeRange) -> Week:
    """The week with its sets moved as the module docstring says (a new list; inputs untouched)."""
    week = [list(day) for day in days]
    budget = minutes * 60
    _cap_volume(week, volume_range.cap)
    balance_push_pull(week, volume_range.cap, budget)
    _fill(week, volume_range, budget)
    for day in week:
        _lengthen_rests(day, budget)
    return week


def _max_rest(ex: DraftExercise) -> int:
    return MAX_REST_SECONDS["main" if ex.is_main_lift else "compound" if ex.compound else "isolation"]


def _lengthen_rests(day: list[DraftExercise], budget: int) -> None:
    """15 s more rest at a time where it is shortest against its maximum, until the session
    reaches FILL_SHARE of its minutes (never past them)."""
    used = sum(exercise_seconds(ex) for ex in day)
    while used < FILL_SHARE * budget:
        room = [(_max_rest(ex) - ex.rest_seconds, -i) for i, ex in enumerate(day)]
        best, neg_i = max(room)
        i = -neg_i
        extra = 15 * day[i].sets
        if best < 15 or used + extra > budget:
            return
        day[i] = replace(day[i], rest_seconds=day[i].rest_seconds + 15)
        used += extra


def _cap_volume(week: Week, cap: float) -> None:
    while True:
        volume = weekly_sets(week)
        over = [g for g in MuscleGroup if volume[g] > cap + _EPS]
        if not over:
            return
        group = max(over, key=lambda g: volume[g])
        load = lambda ex, group=group: shares(ex).get(group, 0.0)  # noqa: E731
        if not _reduce(week, load):
            return


def _reduce(week: Week, weight: Callable[[DraftExercise], float]) -> bool:
    """One set less where ``weight`` is highest: down to 2 sets, then fewer exercises (a coach
    prefers 4 exercises of 2-3 sets to 8 single sets), then down to 1 set."""
    return _take_set(week, weight, 2) or _drop_exercise(week, weight) or _take_set(week, weight, 1)


def _drop_exercise(week: Week, weight: Callable[[DraftExercise], float]) -> bool:
    """Drop the last accessory with a weight (> 0) from a day that keeps MIN_EXERCISES without it,
    unless it is that day's only work for one of its groups."""
    for d in reversed(range(len(week))):
        day = week[d]
        if len(day) <= MIN_EXERCISES:
            continue
        for i in reversed(range(len(day))):
            if weight(day[i]) > 0 and not day[i].is_main_lift and not _sole_work(day, i):
                del day[i]
                return True
    return False


def _sole_work(day: list[DraftExercise], i: int) -> bool:
    """True when the exercise is its day's only work for one of its groups: dropping it would
    cost that group a training day (each group twice a week: Schoenfeld et al. 2016)."""
    others = [shares(ex) for j, ex in enumerate(day) if j != i]
    return any(all(group not in s for s in others) for group in shares(day[i]))


def _take_set(week: Week, weight: Callable[[DraftExercise], float], floor: int) -> bool:
    """Take one set from the exercise with the highest weight (> 0) and more than ``floor`` sets:
    accessories before main lifts, then the largest weight, then the last slot of the last day."""
    best: tuple[bool, float, int, int] | None = None
    for d, day in enumerate(week):
        for i, ex in enumerate(day):
            w = weight(ex)
            if w > 0 and ex.sets > floor:
                key = (not ex.is_main_lift, w, d, i)
                if best is None or key > best:
                    best = key
    if best is None:
        return False
    _, _, d, i = best
    week[d][i] = replace(week[d][i], sets=week[d][i].sets - 1)
    return True


def balance_push_pull(week: Week, cap: float, budget: int, *, may_drop: bool = True) -> None:
    """Bring the week's push:pull sets into PUSH_PULL_RANGE (in place), as far as sets allow;
    ``may_drop`` False keeps every exercise (a deload keeps the movements of its week)."""
    for _ in range(200):
        push, pull = push_pull_sets(week)
        if ratio_ok(push, pull):
            return
        side = 1 if push / pull > PUSH_PULL_RANGE[1] else -1  # the side with too many sets

        def weight(ex: DraftExercise, side: int = side) -> float:
            return 1.0 if push_pull(ex.pattern) == side else 0.0

        def pulls_other_way(ex: DraftExercise, side: int = side) -> bool:
            return push_pull(ex.pattern) == -side

        if _reduce(week, weight) if may_drop else _take_set(week, weight, 1):
            continue
        if not _add_set(week, cap, budget, pulls_other_way):
            return


def _add_set(week: Week, cap: float, budget: int, wanted: Callable[[DraftExercise], bool]) -> bool:
    """Give one set to the first wanted exercise that can take it without breaking a cap or a
    session's minutes."""
    volume = weekly_sets(week)
    for day in week:
        spare = budget - sum(exercise_seconds(ex) for ex in day)
        for i, ex in enumerate(day):
            if wanted(ex) and _can_grow(ex, volume, cap, spare):
                day[i] = replace(ex, sets=ex.sets + 1)
                return True
    return False


def _set_seconds(ex: DraftExercise) -> int:
    return exercise_seconds(replace(ex, sets=ex.sets + 1)) - exercise_seconds(ex)


def _can_grow(ex: DraftExercise, volume: dict[MuscleGroup, float], cap: float, spare: int) -> bool:
    groups = shares(ex)
    if ex.sets >= (MAX_SETS if groups else MAX_UNBALANCED_SETS) or _set_seconds(ex) > spare:
        return False
    return all(volume[g] + share <= cap + _EPS for g, share in groups.items())


def _fill(week: Week, volume_range: VolumeRange, budget: int) -> None:
    while True:
        volume = weekly_sets(week)
        push, pull = push_pull_sets(week)
        best: tuple[float, float, int, int] | None = None
        for d, day in enumerate(week):
            used = sum(exercise_seconds(ex) for ex in day)
            short = used < FILL_SHARE * budget
            for i, ex in enumerate(day):
                if not _can_grow(ex, volume, volume_range.cap, budget - used):
                    continue
                side = push_pull(ex.pattern)
                if side and not ratio_ok(push + (side > 0), pull + (side < 0)):
                    continue
                need = sum(
                    min(share, max(0.0, volume_range.floor - volume[g])) for g, share in shares(ex).items()
                )
                if need <= 0 and not short:
                    continue
                # Most needed first; then the exercise whose groups have most room under the cap.
                room = min((volume_range.cap - volume[g] for g in shares(ex)), default=volume_range.cap)
                key = (need, room, -d, -i)
                if best is None or key > best:
                    best = key
        if (best is None or best[0] <= 0) and _swap_towards_floor(week, volume_range, budget):
            continue
        if best is None:
            return
        d, i = -best[2], -best[3]
        week[d][i] = replace(week[d][i], sets=week[d][i].sets + 1)


def _shortfall(volume: Mapping[MuscleGroup, float], floor: float) -> float:
    return sum(max(0.0, floor - sets) for sets in volume.values())


def _swap_towards_floor(week: Week, volume_range: VolumeRange, budget: int) -> bool:
    """Trade one set from an accessory (of any day) to an exercise of a group below its floor,
    where the week's total shortfall falls, no group goes over its cap or below its floor, push:pull
    stays in range, the receiving session keeps within its minutes and a giving session that was
    filled stays filled. Donors keep two sets where they can, else one."""
    volume = weekly_sets(week)
    floor = volume_range.floor
    before = _shortfall(volume, floor)
    if before <= _EPS:
        return False
    push, pull = push_pull_sets(week)
    used = [sum(exercise_seconds(ex) for ex in day) for day in week]
    short = sorted((g for g in MuscleGroup if volume[g] < floor), key=lambda g: volume[g])
    for keep in (2, 1):
        for group in short:
            for d, day in enumerate(week):
                for i, ex in enumerate(day):
                    gain = shares(ex)
                    if gain.get(group, 0.0) <= 0 or ex.sets >= MAX_SETS:
                        continue
                    for e, other_day in enumerate(week):
                        for j, other in enumerate(other_day):
                            if (e, j) == (d, i) or other.is_main_lift or other.sets <= keep:
                                continue
                            if _trade_ok(
                                week, (d, i), (e, j), volume, before, (push, pull), used, volume_range, budget
                            ):
                                week[d][i] = replace(ex, sets=ex.sets + 1)
                                week[e][j] = replace(other, sets=other.sets - 1)
                                return True
    return False


def _traded(
    volume: Mapping[MuscleGroup, float], gain: Mapping[MuscleGroup, float], loss: Mapping[MuscleGroup, float]
) -> dict[MuscleGroup, float]:
    after = dict(volume)
    for g, share in gain.items():
        after[g] += share
    for g, share in loss.items():
        after[g] -= share
    return after


def _trade_ok(
    week: Week,
    to: tuple[int, int],
    frm: tuple[int, int],
    volume: Mapping[MuscleGroup, float],
    shortfall: float,
    push_pull_now: tuple[int, int],
    used: Sequence[int],
    volume_range: VolumeRange,
    budget: int,
) -> bool:
    ex, other = week[to[0]][to[1]], week[frm[0]][frm[1]]
    gain, loss = shares(ex), shares(other)
    after = _traded(volume, gain, loss)
    if _shortfall(after, volume_range.floor) >= shortfall - _EPS:
        return False
    if any(after[g] > volume_range.cap + _EPS for g in gain):
        return False
    if any(after[g] < volume_range.floor - _EPS and after[g] < volume[g] for g in loss):
        return False
    sides = push_pull(ex.pattern), push_pull(other.pattern)
    push, pull = push_pull_now
    if not ratio_ok(push + (sides[0] > 0) - (sides[1] > 0), pull + (sides[0] < 0) - (sides[1] < 0)):
        return False
    added, freed = (
        _set_seconds(ex),
        exercise_seconds(other) - exercise_seconds(replace(other, sets=other.sets - 1)),
    )
    if to[0] == frm[0]:
        return used[to[0]] + added - freed <= budget
    filled = FILL_SHARE * budget
    return used[to[0]] + added <= budget and (used[frm[0]] < filled or used[frm[0]] - freed >= filled)
