"""Weekly volume per major muscle group: the mapping from movements to groups and the goal's range.

One place says which major group each listed muscle (the free-exercise-db vocabulary of
``primary_muscles``) belongs to; a movement with no muscles listed (an imported one, a synthetic
test movement) gets its pattern's usual muscles. The first muscle listed is the one the movement
trains most and counts one set per set; the muscles listed after it are loaded secondarily and
count half a set (a bench press trains the chest fully and the arms, through the triceps, half).
Calves, abdominals and the hip ab-/adductors are trained but not balanced.

Ranges of hard sets per group and week: about 10-20 for hypertrophy (Schoenfeld, Ogborn & Krieger
2017, dose-response meta-analysis: 10+ weekly sets beat fewer; Baz-Valle et al. 2022: 12-20 is a
productive range, more adds little and costs recovery), never past 25 (fatigue without benefit).
Strength needs less volume per muscle (heavier, fewer sets), general fitness and endurance less
again, and beginners grow on less (the floor is lower; so is the cap, to keep recovery easy).
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from models.enums import Goal, Level, Pattern


class MuscleGroup(enum.Enum):
    CHEST = "chest"
    BACK = "back"
    QUADS = "quads"
    HAMSTRINGS = "hamstrings"
    GLUTES = "glutes"
    SHOULDERS = "shoulders"
    ARMS = "arms"


G = MuscleGroup
MUSCLE_GROUPS: Mapping[str, MuscleGroup] = {
    "chest": G.CHEST,
    "lats": G.BACK,
    "middle back": G.BACK,
    "lower back": G.BACK,
    "traps": G.BACK,
    "quadriceps": G.QUADS,
    "hamstrings": G.HAMSTRINGS,
    "glutes": G.GLUTES,
    "shoulders": G.SHOULDERS,
    "biceps": G.ARMS,
    "triceps": G.ARMS,
    "forearms": G.ARMS,
}
"""The one mapping from listed muscles to major groups (muscles not listed are not balanced)."""

PATTERN_MUSCLES: Mapping[Pattern, tuple[str, ...]] = {
    Pattern.SQUAT: ("quadriceps", "glutes"),
    Pattern.HINGE: ("hamstrings", "glutes"),
    Pattern.LUNGE: ("quadriceps", "glutes"),
    Pattern.HORIZONTAL_PUSH: ("chest", "triceps"),
    Pattern.VERTICAL_PUSH: ("shoulders", "triceps"),
    Pattern.HORIZONTAL_PULL: ("middle back", "biceps"),
    Pattern.VERTICAL_PULL: ("lats", "biceps"),
    Pattern.CARRY: ("forearms", "traps"),
    Pattern.CORE: ("abdominals",),
    Pattern.BICEPS: ("biceps",),
    Pattern.TRICEPS: ("triceps",),
    Pattern.SHOULDERS: ("shoulders",),
    Pattern.CHEST: ("chest",),
    Pattern.CALVES: ("calves",),
    Pattern.HAMSTRINGS: ("hamstrings",),
    Pattern.QUADS: ("quadriceps",),
    Pattern.GLUTES: ("glutes",),
}
"""Muscles of a movement that lists none."""

SECONDARY_SHARE = 0.5
PUSH_PATTERNS = frozenset({Pattern.HORIZONTAL_PUSH, Pattern.VERTICAL_PUSH, Pattern.CHEST, Pattern.TRICEPS})
PULL_PATTERNS = frozenset({Pattern.HORIZONTAL_PULL, Pattern.VERTICAL_PULL, Pattern.BICEPS})
PUSH_PULL_RANGE = (0.67, 1.5)
"""Weekly push sets per pull set; a coach's usual bound for shoulder health and posture."""


@dataclass(frozen=True, slots=True)
class VolumeRange:
    floor: float
    cap: float


_RANGES: dict[Goal, VolumeRange] = {
    Goal.HYPERTROPHY: VolumeRange(10, 20),
    Goal.STRENGTH: VolumeRange(6, 16),
    Goal.GENERAL_FITNESS: VolumeRange(4, 14),
    Goal.ENDURANCE: VolumeRange(4, 14),
}
HARD_CAP = 25.0
"""No group ever gets more weekly sets than this, whatever the goal (Baz-Valle 2022)."""


def volume_range(goal: Goal, level: Level) -> VolumeRange:
    """Weekly sets per major group a loading week aims at (see the module docstring)."""
    r = _RANGES[goal]
    if level is Level.BEGINNER:
        return VolumeRange(round(r.floor * 0.6), r.cap - 4)
    if level is Level.ADVANCED:
        return VolumeRange(r.floor, min(HARD_CAP, r.cap + 2))
    return r


@lru_cache(maxsize=4096)
def group_shares(pattern: Pattern, primary_muscles: tuple[str, ...]) -> Mapping[MuscleGroup, float]:
    """Sets one set of the movement counts for each major group (1 primary, 0.5 secondary)."""
    muscles = primary_muscles or PATTERN_MUSCLES[pattern]
    shares: dict[MuscleGroup, float] = {}
    for i, muscle in enumerate(muscles):
        group = MUSCLE_GROUPS.get(muscle.lower())
        if group is not None:
            shares[group] = max(shares.get(group, 0.0), 1.0 if i == 0 else SECONDARY_SHARE)
    return MappingProxyType(shares)


def push_pull(pattern: Pattern) -> int:
    """1 for a pushing movement, -1 for a pulling one, 0 for the rest."""
    return 1 if pattern in PUSH_PATTERNS else -1 if pattern in PULL_PATTERNS else 0
