"""The model enums, exposed to GraphQL under the same names, each value with its description."""

import enum
from collections.abc import Mapping
from typing import TypeVar

import strawberry
from strawberry.types.enum import has_enum_definition

from models import enums

E = TypeVar("E", bound=enum.Enum)


def documented(cls: type[E], description: str, values: Mapping[E, str]) -> None:
    """Make ``cls`` itself a GraphQL enum with ``description`` and one description per value (its
    name here is an alias of the model enum, which a type checker then takes as a type). Strawberry
    reads value descriptions only from ``strawberry.enum_value`` members, which a model enum has
    none of: they are set on its definition here, and a value left out fails at import."""
    if missing := [member.name for member in cls if member not in values]:
        raise ValueError(f"{cls.__name__}: no description for {missing}")
    exposed = strawberry.enum(cls, description=description)
    assert exposed is cls and has_enum_definition(exposed)
    for value in exposed.__strawberry_definition__.values:
        value.description = values[cls[value.name]]


GenerationStatus = enums.GenerationStatus
_Status = enums.GenerationStatus  # short, for the descriptions below
documented(
    _Status,
    "Where a session is in generation: PENDING, then IN_PROGRESS, then COMPLETE or FAILED.",
    {
        _Status.PENDING: (
            "Queued for a worker (on creation, regeneration or repair); exercises from an earlier "
            "generation, if any, stay until replaced."
        ),
        _Status.IN_PROGRESS: (
            "A worker is generating it (also between retries of a passing failure); generationAttempts "
            "counts the tries."
        ),
        _Status.COMPLETE: "Generated: exercises holds the workout.",
        _Status.FAILED: ("Generation gave up; generationError says why. regenerateSessions queues it again."),
    },
)

Goal = enums.Goal
documented(
    Goal,
    "What the program trains for; it sets the sets, rep ranges, effort and rest of every exercise.",
    {
        enums.Goal.STRENGTH: (
            "Heavy, low-rep work with long rests; main lifts are loaded as a percentage of one-rep max."
        ),
        enums.Goal.HYPERTROPHY: "Muscle size: moderate reps close to failure, moderate rests.",
        enums.Goal.GENERAL_FITNESS: "Moderate reps, effort and rests throughout.",
        enums.Goal.ENDURANCE: "High reps at lower effort with short rests.",
    },
)

Level = enums.Level
documented(
    Level,
    "Training experience, in order: a movement of one level suits programs of that level and above.",
    {
        enums.Level.BEGINNER: "New to training: programs use beginner movements only.",
        enums.Level.INTERMEDIATE: "Programs use beginner and intermediate movements.",
        enums.Level.ADVANCED: "Programs may use every movement of the library.",
    },
)

Phase = enums.Phase
documented(
    Phase,
    (
        "A week's place in the periodisation: blocks of three loading weeks and a deload; the loading "
        "weeks go accumulation, intensification, realization over the program."
    ),
    {
        enums.Phase.ACCUMULATION: "Loading weeks of the first third: more volume, moderate load.",
        enums.Phase.INTENSIFICATION: "Loading weeks of the second third: heavier, a little less volume.",
        enums.Phase.REALIZATION: "Loading weeks of the last third: peak, heaviest load and least volume.",
        enums.Phase.DELOAD: "Every fourth week: about 40 % less volume and lower intensity, to recover.",
    },
)

Focus = enums.Focus
documented(
    Focus,
    "What a session trains, from the program's weekly split (it depends on daysPerWeek).",
    {
        enums.Focus.FULL_BODY: "The whole body.",
        enums.Focus.UPPER: "Upper body: pushing and pulling.",
        enums.Focus.LOWER: "Lower body: squats, hinges, lunges, legs, calves and core.",
        enums.Focus.PUSH: "Chest, shoulders and triceps.",
        enums.Focus.PULL: "Back and biceps.",
        enums.Focus.LEGS: "Legs and glutes.",
    },
)

Pattern = enums.Pattern
_P = enums.Pattern
documented(
    _P,
    "A movement's pattern: the compound patterns first, then the isolation groups.",
    {
        _P.SQUAT: "Compound: knee-dominant squats.",
        _P.HINGE: "Compound: hip hinges (deadlifts, swings).",
        _P.LUNGE: "Compound: lunges, split squats, step-ups.",
        _P.HORIZONTAL_PUSH: "Compound: pressing forward (bench press, push-ups).",
        _P.HORIZONTAL_PULL: "Compound: rowing.",
        _P.VERTICAL_PUSH: "Compound: pressing overhead.",
        _P.VERTICAL_PULL: "Compound: pulling down from overhead (pull-ups, pulldowns).",
        _P.CARRY: "Loaded carries, crawls and walks (prescribed as a distance).",
        _P.CORE: "Trunk work, holds included.",
        _P.BICEPS: "Isolation: biceps.",
        _P.TRICEPS: "Isolation: triceps.",
        _P.SHOULDERS: "Isolation: shoulders.",
        _P.CHEST: "Isolation: chest.",
        _P.CALVES: "Isolation: calves.",
        _P.HAMSTRINGS: "Isolation: hamstrings.",
        _P.QUADS: "Isolation: quadriceps.",
        _P.GLUTES: "Isolation: glutes.",
    },
)

Equipment = enums.Equipment
_Eq = enums.Equipment
documented(
    _Eq,
    "Equipment a movement needs or a program has available; BODYWEIGHT is always available.",
    {
        _Eq.BARBELL: "Barbell and plates.",
        _Eq.DUMBBELL: "Dumbbells.",
        _Eq.KETTLEBELL: "Kettlebells.",
        _Eq.CABLE: "A cable station.",
        _Eq.MACHINE: "Weight machines.",
        _Eq.BANDS: "Resistance bands.",
        _Eq.BODYWEIGHT: "Nothing but the body; implied everywhere.",
        _Eq.PULL_UP_BAR: "A pull-up bar.",
        _Eq.BENCH: "A weight bench.",
    },
)

Role = enums.Role
documented(
    Role,
    "What a user may do.",
    {
        enums.Role.ATHLETE: "Sees and changes their own programs.",
        enums.Role.COACH: "Sees and changes their own programs.",
        enums.Role.ADMIN: "Sees every program and may repair them (repairProgram).",
    },
)


@strawberry.enum(description="What each set of an exercise asks for.")
class PrescriptionKind(enum.Enum):
    """``models.enums.PrescriptionKind`` with a description per value (same values)."""

    REPS = strawberry.enum_value("reps", description="Repetitions: repsMin to repsMax per set.")
    SECONDS = strawberry.enum_value(
        "seconds", description="A hold (plank, wall sit, isometric): durationSeconds per set; reps are 1."
    )
    DISTANCE = strawberry.enum_value(
        "distance", description="A carry, crawl or walk: distanceMeters per set; reps are 1."
    )
