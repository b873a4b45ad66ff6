"""The shipped catalogue (data/movements.yaml): size, coverage, and unambiguous names."""

from collections import Counter

import pytest

from models.enums import Equipment, Level, Pattern
from services.library.movement_catalogue import MovementSpec, load_catalogue, slugify
from services.library.movement_library import lookup_keys

E = Equipment
COMPOUND_PATTERNS = (
    Pattern.SQUAT,
    Pattern.HINGE,
    Pattern.LUNGE,
    Pattern.HORIZONTAL_PUSH,
    Pattern.HORIZONTAL_PULL,
    Pattern.VERTICAL_PUSH,
    Pattern.VERTICAL_PULL,
)
EQUIPMENT_SETS = (
    frozenset({E.DUMBBELL}),
    frozenset({E.KETTLEBELL}),
    frozenset({E.BANDS}),
    frozenset({E.BARBELL}),
    frozenset({E.BARBELL, E.BENCH}),
    frozenset({E.DUMBBELL, E.BENCH}),
    frozenset({E.CABLE}),
    frozenset({E.MACHINE}),
)
# Free weights and a bench cannot train a vertical pull: it needs a bar, bands, a cable or a machine.
NOT_SENSIBLE = {
    (equipment, Pattern.VERTICAL_PULL)
    for equipment in EQUIPMENT_SETS
    if not equipment & {E.BANDS, E.CABLE, E.MACHINE}
}
MUSCLES = {
    "abdominals", "abductors", "adductors", "biceps", "calves", "chest", "forearms", "glutes",
    "hamstrings", "lats", "lower back", "middle back", "neck", "quadriceps", "shoulders", "traps",
    "triceps",
}  # fmt: skip


@pytest.fixture(scope="module")
def catalogue() -> tuple[MovementSpec, ...]:
    return load_catalogue()


def resolve(catalogue: tuple[MovementSpec, ...], name: str) -> MovementSpec | None:
    """The catalogue's twin of ``MovementIndex.resolve``: slug of the name, or an alias ignoring case."""
    for spec in catalogue:
        if spec.slug == slugify(name) or name.strip().lower() in {a.lower() for a in spec.aliases}:
            return spec
    return None


def beginner_fits(
    catalogue: tuple[MovementSpec, ...], available: frozenset[Equipment], pattern: Pattern
) -> list[str]:
    return [s.name for s in catalogue if s.pattern is pattern and s.fits(available, Level.BEGINNER)]


def test_catalogue_is_large_and_uses_every_pattern_and_equipment(catalogue: tuple[MovementSpec, ...]) -> None:
    assert len(catalogue) >= 150
    assert {s.pattern for s in catalogue} == set(Pattern)
    assert {e for s in catalogue for e in s.equipment} == set(Equipment)
    assert {s.level for s in catalogue} == set(Level)


def test_common_aliases_resolve(catalogue: tuple[MovementSpec, ...]) -> None:
    expected = {
        "RDL": "Barbell Romanian Deadlift",
        "romanian deadlift": "Barbell Romanian Deadlift",
        "OHP": "Barbell Overhead Press",
        "DB Bench": "Dumbbell Bench Press",
        "bench press": "Barbell Bench Press",
        "Back Squat": "Barbell Back Squat",
        "barbell-back-squat": "Barbell Back Squat",
        "Pull Up": "Pull-Up",
        "farmer's walk": "Farmer's Carry",
    }
    assert {alias: getattr(resolve(catalogue, alias), "name", None) for alias in expected} == expected
    assert resolve(catalogue, "Underwater Basket Weaving") is None


def test_every_name_slug_and_alias_identifies_one_movement(catalogue: tuple[MovementSpec, ...]) -> None:
    owners: dict[str, set[str]] = {}
    for spec in catalogue:
        for key in lookup_keys(spec.slug, spec.aliases):
            owners.setdefault(key, set()).add(spec.slug)
    assert {key: slugs for key, slugs in owners.items() if len(slugs) > 1} == {}
    assert all(spec.slug == slugify(spec.name) for spec in catalogue)


def test_entries_are_well_formed(catalogue: tuple[MovementSpec, ...]) -> None:
    for spec in catalogue:
        assert spec.primary_muscles, spec.name
        assert set(spec.primary_muscles) <= MUSCLES, spec.name
        # bodyweight is implied by every other item, so it only ever stands alone
        assert E.BODYWEIGHT not in spec.equipment or spec.equipment == {E.BODYWEIGHT}, spec.name
        assert len(set(spec.aliases)) == len(spec.aliases), spec.name


@pytest.mark.parametrize(
    "pattern", [p for p in Pattern if p is not Pattern.VERTICAL_PULL], ids=lambda p: p.value
)
def test_every_pattern_has_bodyweight_beginner_options(
    catalogue: tuple[MovementSpec, ...], pattern: Pattern
) -> None:
    assert len(beginner_fits(catalogue, frozenset(), pattern)) >= 2


def test_vertical_pull_needs_only_a_bar_or_bands(catalogue: tuple[MovementSpec, ...]) -> None:
    assert len(beginner_fits(catalogue, frozenset({E.PULL_UP_BAR}), Pattern.VERTICAL_PULL)) >= 3
    assert len(beginner_fits(catalogue, frozenset({E.BANDS}), Pattern.VERTICAL_PULL)) >= 3


@pytest.mark.parametrize("equipment", EQUIPMENT_SETS, ids=lambda eq: "+".join(sorted(e.value for e in eq)))
def test_single_equipment_sets_cover_the_compound_patterns(
    catalogue: tuple[MovementSpec, ...], equipment: frozenset[Equipment]
) -> None:
    thin = {
        pattern.value: beginner_fits(catalogue, equipment, pattern)
        for pattern in COMPOUND_PATTERNS
        if (equipment, pattern) not in NOT_SENSIBLE and len(beginner_fits(catalogue, equipment, pattern)) < 3
    }
    assert thin == {}
    # and the equipment itself is used, not only the bodyweight fallbacks
    uses = Counter(
        s.pattern for s in catalogue if s.fits(equipment, Level.BEGINNER) and s.equipment & equipment
    )
    assert [p.value for p in COMPOUND_PATTERNS if (equipment, p) not in NOT_SENSIBLE and not uses[p]] == []
