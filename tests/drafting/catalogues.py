"""Catalogues for the drafting tests: a synthetic one that is always there, and the real one.

The synthetic catalogue has, for every pattern, two beginner movements for each kind of equipment
(bodyweight included) and harder ones above, so every equipment/level combination can draft every
focus with some variety; thin catalogues for edge cases are built in the tests themselves.
"""

from models.enums import Equipment, Level, Pattern
from services.library.movement_catalogue import CATALOGUE_PATH, MovementSpec, load_catalogue, slugify

E, L = Equipment, Level
COMPOUND_PATTERNS = frozenset(
    {
        Pattern.SQUAT,
        Pattern.HINGE,
        Pattern.LUNGE,
        Pattern.HORIZONTAL_PUSH,
        Pattern.HORIZONTAL_PULL,
        Pattern.VERTICAL_PUSH,
        Pattern.VERTICAL_PULL,
        Pattern.CARRY,
    }
)

# (suffix, equipment, level, unilateral): per pattern, two beginner options for each kind of
# equipment (so accessories can rotate whatever the athlete owns) and harder ones above.
_VARIANTS: tuple[tuple[str, frozenset[Equipment], Level, bool], ...] = (
    ("bodyweight", frozenset({E.BODYWEIGHT}), L.BEGINNER, False),
    ("single-side bodyweight", frozenset(), L.BEGINNER, True),
    ("dumbbell", frozenset({E.DUMBBELL}), L.BEGINNER, False),
    ("single-side dumbbell", frozenset({E.DUMBBELL}), L.BEGINNER, True),
    ("dumbbell on bench", frozenset({E.DUMBBELL, E.BENCH}), L.INTERMEDIATE, False),
    ("light barbell", frozenset({E.BARBELL}), L.BEGINNER, False),
    ("barbell from the floor", frozenset({E.BARBELL}), L.BEGINNER, False),
    ("barbell", frozenset({E.BARBELL}), L.INTERMEDIATE, False),
    ("barbell competition", frozenset({E.BARBELL, E.BENCH}), L.ADVANCED, False),
    ("cable", frozenset({E.CABLE}), L.BEGINNER, False),
    ("single-side cable", frozenset({E.CABLE}), L.BEGINNER, True),
    ("machine", frozenset({E.MACHINE}), L.BEGINNER, False),
    ("machine variation", frozenset({E.MACHINE}), L.BEGINNER, False),
    ("kettlebell", frozenset({E.KETTLEBELL}), L.BEGINNER, False),
    ("single-side kettlebell", frozenset({E.KETTLEBELL}), L.BEGINNER, True),
    ("band", frozenset({E.BANDS}), L.BEGINNER, False),
    ("single-side band", frozenset({E.BANDS}), L.BEGINNER, True),
    ("bar", frozenset({E.PULL_UP_BAR}), L.BEGINNER, False),
    ("bar variation", frozenset({E.PULL_UP_BAR}), L.BEGINNER, False),
)


def spec(
    name: str,
    pattern: Pattern,
    equipment: frozenset[Equipment] = frozenset(),
    level: Level = Level.BEGINNER,
    *,
    compound: bool | None = None,
    unilateral: bool = False,
) -> MovementSpec:
    return MovementSpec(
        name=name,
        slug=slugify(name),
        pattern=pattern,
        equipment=equipment or frozenset({E.BODYWEIGHT}),
        level=level,
        is_compound=pattern in COMPOUND_PATTERNS if compound is None else compound,
        is_unilateral=unilateral,
        primary_muscles=(),
        aliases=(),
    )


def synthetic_catalogue() -> tuple[MovementSpec, ...]:
    movements = [
        spec(f"{pattern.value.replace('_', ' ')} {suffix}", pattern, equipment, level, unilateral=unilateral)
        for pattern in Pattern
        for suffix, equipment, level, unilateral in _VARIANTS
    ]
    # An isolation movement in a compound pattern, to check main slots prefer compounds.
    movements.append(spec("squat isolation drill", Pattern.SQUAT, compound=False))
    return tuple(movements)


SYNTHETIC = synthetic_catalogue()


def real_catalogue() -> tuple[MovementSpec, ...] | None:
    """The shipped catalogue, or None while data/movements.yaml does not exist yet."""
    return load_catalogue() if CATALOGUE_PATH.exists() else None
