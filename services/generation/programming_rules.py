"""Sets, reps, intensity and rest for one exercise, and how long a list of exercises takes.

The numbers follow common evidence-based practice: strength work is heavy, low-rep and rests long;
hypertrophy uses moderate reps close to failure; general fitness is moderate everywhere; endurance
uses high reps and short rests. Across the loading phases reps fall and intensity rises while
volume (sets) holds or falls a little. Inside each block the loading weeks progress (ACSM position
stand on progression models, 2009): every week after the first adds 0.5 RPE (2.5 % 1RM on a
strength main lift; past RPE 9.5, a rep less at the same effort), and from the second week
accessory and isolation work get one set more, so the weeks of a block are never the same
workload. A deload keeps the movements and rep targets of the week before, cuts sets by about 40 %
and lowers intensity, so fatigue drops while skills stay practised.

Intensity: main lifts of a strength program get a %1RM (they are tested lifts with a known max);
everything else, and a strength main lift with no external load, gets an RPE target (a
``Decimal`` with one decimal place), which needs no known max. Strength work with no external
load uses the hypertrophy rep ranges one RPE closer to failure, with a slow lowering: with
bodyweight alone, harder progressions and proximity to failure are what load is elsewhere.
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol

from models.enums import Goal, Phase


class SlotRole(enum.Enum):
    """What a slot of a session template is for; decides its loading scheme."""

    MAIN = "main"  # heavy compound lift the week is built around
    ACCESSORY = "accessory"  # secondary compound work
    ISOLATION = "isolation"  # single-joint or small-muscle work


@dataclass(frozen=True, slots=True)
class Prescription:
    sets: int
    reps_min: int
    reps_max: int
    target_rpe: Decimal | None
    target_percent_1rm: int | None
    rest_seconds: int


# (sets, reps_min, reps_max, RPE, rest seconds) per goal, role and loading phase.
_Row = tuple[int, int, int, str, int]
_A, _I, _R = Phase.ACCUMULATION, Phase.INTENSIFICATION, Phase.REALIZATION
_M, _S, _X = SlotRole.MAIN, SlotRole.ACCESSORY, SlotRole.ISOLATION
_TABLE: dict[Goal, dict[SlotRole, dict[Phase, _Row]]] = {
    Goal.STRENGTH: {
        _M: {_A: (5, 4, 6, "7.5", 180), _I: (5, 3, 5, "8", 210), _R: (4, 2, 3, "8.5", 240)},
        _S: {_A: (4, 6, 8, "7.5", 150), _I: (3, 5, 7, "8", 150), _R: (3, 4, 6, "8", 180)},
        _X: {_A: (3, 8, 12, "7.5", 90), _I: (3, 8, 10, "8", 90), _R: (2, 8, 10, "8", 90)},
    },
    Goal.HYPERTROPHY: {
        _M: {_A: (4, 8, 10, "7", 150), _I: (4, 6, 8, "8", 150), _R: (3, 5, 7, "8.5", 180)},
        _S: {_A: (4, 10, 12, "7.5", 90), _I: (3, 8, 10, "8", 105), _R: (3, 6, 8, "8.5", 120)},
        _X: {_A: (3, 12, 15, "8", 60), _I: (3, 10, 12, "8.5", 60), _R: (3, 8, 12, "9", 75)},
    },
    Goal.GENERAL_FITNESS: {
        _M: {_A: (3, 8, 10, "7", 120), _I: (3, 6, 8, "7.5", 120), _R: (3, 5, 6, "8", 150)},
        _S: {_A: (3, 10, 12, "7", 90), _I: (3, 8, 10, "7.5", 90), _R: (3, 8, 10, "8", 90)},
        _X: {_A: (2, 12, 15, "7", 60), _I: (2, 10, 12, "7.5", 60), _R: (2, 10, 12, "8", 60)},
    },
    Goal.ENDURANCE: {
        _M: {_A: (3, 12, 15, "6.5", 90), _I: (3, 10, 12, "7", 90), _R: (3, 8, 10, "7.5", 90)},
        _S: {_A: (3, 15, 20, "7", 60), _I: (3, 12, 15, "7", 60), _R: (3, 12, 15, "7.5", 60)},
        _X: {_A: (2, 15, 20, "7", 45), _I: (2, 15, 20, "7.5", 45), _R: (2, 12, 15, "8", 45)},
    },
}
_STRENGTH_MAIN_PERCENT: dict[Phase, int] = {_A: 75, _I: 82, _R: 88}
"""%1RM for strength main lifts; matches the rep ranges above at about 2 reps in reserve."""

DELOAD_VOLUME_FACTOR = 0.6
"""A deload keeps about 60 % of the sets (volume cut by about 40 %)."""
DELOAD_RPE_DROP = Decimal(2)
DELOAD_PERCENT_DROP = 15
DELOAD_REST_FACTOR = 0.8
"""Lighter sets need less rest."""
MIN_RPE = Decimal(5)
MIN_REST_SECONDS = 30


UNLOADED_STRENGTH_RPE_BONUS = Decimal(1)
UNLOADED_STRENGTH_NOTE = "Near failure, 3 s lowering."
PROGRESSION_RPE_STEP = Decimal("0.5")
PROGRESSION_PERCENT_STEP = 2.5
MAX_RPE = Decimal("9.5")
"""Progression stops short of failure (RPE 10) and of a 1RM attempt."""
MAX_PERCENT_1RM = 92


def prescribe(
    goal: Goal, role: SlotRole, phase: Phase, *, loaded: bool = True, week_in_block: int = 1
) -> Prescription:
    """Loading scheme for one slot; ``loaded`` is False for movements with no external load.

    ``week_in_block`` is the 1-based loading week inside its block: week 1 is the table's row,
    each later week is heavier (see the module docstring).

    For ``Phase.DELOAD`` this returns the deload of the accumulation scheme; the session drafter
    instead deloads the actual week before (see :func:`deload`), so the drop is always real.
    """
    if phase is Phase.DELOAD:
        return deload(prescribe(goal, role, Phase.ACCUMULATION, loaded=loaded))
    if week_in_block < 1:
        raise ValueError(f"week_in_block is 1-based, got {week_in_block}")
    sets, reps_min, reps_max, rpe, rest = _TABLE[goal][role][phase]
    if goal is Goal.STRENGTH and not loaded:
        # 4-6 push-ups at RPE 7.5 train nothing: without load, strength comes from harder
        # progressions taken close to failure, with a slow lowering (see UNLOADED_STRENGTH_NOTE).
        sets, reps_min, reps_max, rpe, rest = _TABLE[Goal.HYPERTROPHY][role][phase]
        rpe = str(Decimal(rpe) + UNLOADED_STRENGTH_RPE_BONUS)
    percent = _STRENGTH_MAIN_PERCENT[phase] if goal is Goal.STRENGTH and role is SlotRole.MAIN else None
    use_percent = percent is not None and loaded
    steps = week_in_block - 1
    if steps and role is not SlotRole.MAIN:
        sets += 1
    target_rpe = Decimal(rpe) + PROGRESSION_RPE_STEP * steps
    if not use_percent and target_rpe > MAX_RPE:  # at the cap: a rep less at the same effort
        reps_max = max(reps_min, reps_max - int((target_rpe - MAX_RPE) / PROGRESSION_RPE_STEP))
    return Prescription(
        sets=sets,
        reps_min=reps_min,
        reps_max=reps_max,
        target_rpe=None if use_percent else min(MAX_RPE, target_rpe),
        target_percent_1rm=(
            min(MAX_PERCENT_1RM, percent + int(PROGRESSION_PERCENT_STEP * steps + 0.5))
            if use_percent and percent is not None
            else None
        ),
        rest_seconds=rest,
    )


def deload(p: Prescription) -> Prescription:
    """Cut volume by about 40 % and lower intensity, keeping the rep target where possible.

    Sets are scaled; a single set cannot shrink, so its rep range is scaled instead. The result
    always has strictly less volume (sets x reps_max) than ``p`` unless ``p`` is one single rep.
    """
    sets, reps_min, reps_max = p.sets, p.reps_min, p.reps_max
    if sets > 1:
        sets = max(1, round(sets * DELOAD_VOLUME_FACTOR))
    else:
        reps_max = max(1, round(reps_max * DELOAD_VOLUME_FACTOR))
        reps_min = min(reps_min, reps_max)
    return replace(
        p,
        sets=sets,
        reps_min=reps_min,
        reps_max=reps_max,
        target_rpe=None if p.target_rpe is None else max(MIN_RPE, p.target_rpe - DELOAD_RPE_DROP),
        target_percent_1rm=(
            None if p.target_percent_1rm is None else p.target_percent_1rm - DELOAD_PERCENT_DROP
        ),
        rest_seconds=max(MIN_REST_SECONDS, round_rest(p.rest_seconds * DELOAD_REST_FACTOR)),
    )


def round_rest(seconds: float) -> int:
    """Rest is given to the nearest 15 s: nobody times 137 s between sets."""
    return int(round(seconds / 15) * 15)


# Holds and carries: seconds or meters per set by goal; each later week of a block adds a step.
_HOLD_SECONDS = {Goal.STRENGTH: 20, Goal.HYPERTROPHY: 30, Goal.GENERAL_FITNESS: 30, Goal.ENDURANCE: 45}
_CARRY_METERS = {Goal.STRENGTH: 20, Goal.HYPERTROPHY: 30, Goal.GENERAL_FITNESS: 30, Goal.ENDURANCE: 40}
HOLD_STEP_SECONDS = 5
CARRY_STEP_METERS = 5


def hold_seconds(goal: Goal, week_in_block: int = 1) -> int:
    """Seconds per set of an isometric hold (a plank, a wall sit)."""
    return _HOLD_SECONDS[goal] + HOLD_STEP_SECONDS * (week_in_block - 1)


def carry_meters(goal: Goal, week_in_block: int = 1) -> int:
    """Meters per set of a carry, crawl or walk."""
    return _CARRY_METERS[goal] + CARRY_STEP_METERS * (week_in_block - 1)


# --- duration -----------------------------------------------------------------------------------

SECONDS_PER_REP = 4
"""A controlled rep (about 2 s down, 1 s up, 1 s at the turn-arounds)."""
SECONDS_PER_METER = 1.5
"""A loaded carry or a crawl, turns included."""
SETUP_SECONDS_PER_EXERCISE = 120
"""Per exercise: set up the station, load it, one or two ramp-up sets, walk to the next one."""


class Timed(Protocol):
    """What the estimate reads from an exercise; :class:`DraftExercise` satisfies it."""

    @property
    def sets(self) -> int: ...

    @property
    def reps_max(self) -> int: ...

    @property
    def rest_seconds(self) -> int: ...

    @property
    def unilateral(self) -> bool: ...


def exercise_seconds(ex: Timed) -> int:
    """sets x (work + rest) + set-up; work is the top of the rep range at SECONDS_PER_REP, or the
    hold's seconds (``duration_seconds``), or the distance at SECONDS_PER_METER.

    The rest after the last set counts too: it is the walk to the next exercise. Work of a
    unilateral movement is per side, so it counts twice.
    """
    duration = getattr(ex, "duration_seconds", None)
    distance = getattr(ex, "distance_meters", None)
    if duration is not None:
        work = duration
    elif distance is not None:
        work = round(distance * SECONDS_PER_METER)
    else:
        work = ex.reps_max * SECONDS_PER_REP
    return ex.sets * (work * (2 if ex.unilateral else 1) + ex.rest_seconds) + SETUP_SECONDS_PER_EXERCISE


def estimate_minutes(exercises: Iterable[Timed]) -> float:
    """Estimated session length in minutes (general warm-up not included), to 0.1 min."""
    return round(sum(exercise_seconds(ex) for ex in exercises) / 60, 1)
