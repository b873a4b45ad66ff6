"""Enumerations shared by the tables, the services and (later) the GraphQL schema."""

import enum


class GenerationStatus(enum.Enum):
    """Where a session is in its generation lifecycle; stored as the PostgreSQL enum ``generation_status``."""

    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"


class Role(enum.Enum):
    ATHLETE = "athlete"
    COACH = "coach"
    ADMIN = "admin"


class Goal(enum.Enum):
    STRENGTH = "strength"
    HYPERTROPHY = "hypertrophy"
    GENERAL_FITNESS = "general_fitness"
    ENDURANCE = "endurance"


class Level(enum.Enum):
    """Training age; ordered, so a movement of level L suits programs of level L and above."""

    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class Phase(enum.Enum):
    ACCUMULATION = "accumulation"
    INTENSIFICATION = "intensification"
    REALIZATION = "realization"
    DELOAD = "deload"


class PrescriptionKind(enum.Enum):
    """What a set asks for: repetitions, a hold of some seconds, or a distance covered."""

    REPS = "reps"
    SECONDS = "seconds"
    DISTANCE = "distance"


class Focus(enum.Enum):
    FULL_BODY = "full_body"
    UPPER = "upper"
    LOWER = "lower"
    PUSH = "push"
    PULL = "pull"
    LEGS = "legs"


class Pattern(enum.Enum):
    """Movement pattern: the compound patterns first, then the isolation groups."""

    SQUAT = "squat"
    HINGE = "hinge"
    LUNGE = "lunge"
    HORIZONTAL_PUSH = "horizontal_push"
    HORIZONTAL_PULL = "horizontal_pull"
    VERTICAL_PUSH = "vertical_push"
    VERTICAL_PULL = "vertical_pull"
    CARRY = "carry"
    CORE = "core"
    BICEPS = "biceps"
    TRICEPS = "triceps"
    SHOULDERS = "shoulders"
    CHEST = "chest"
    CALVES = "calves"
    HAMSTRINGS = "hamstrings"
    QUADS = "quads"
    GLUTES = "glutes"


class Equipment(enum.Enum):
    """Equipment a movement needs; ``BODYWEIGHT`` is always available."""

    BARBELL = "barbell"
    DUMBBELL = "dumbbell"
    KETTLEBELL = "kettlebell"
    CABLE = "cable"
    MACHINE = "machine"
    BANDS = "bands"
    BODYWEIGHT = "bodyweight"
    PULL_UP_BAR = "pull_up_bar"
    BENCH = "bench"
