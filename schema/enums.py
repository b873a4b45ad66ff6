"""The model enums, exposed to GraphQL under the same names."""

import enum

import strawberry

from models import enums

GenerationStatus = strawberry.enum(enums.GenerationStatus, description="Where a session is in generation.")
Goal = strawberry.enum(enums.Goal)
Level = strawberry.enum(enums.Level)
Phase = strawberry.enum(enums.Phase)
Focus = strawberry.enum(enums.Focus)
Pattern = strawberry.enum(enums.Pattern)
Equipment = strawberry.enum(enums.Equipment)
Role = strawberry.enum(enums.Role)


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
