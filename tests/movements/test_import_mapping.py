"""Mapping the free-exercise-db layout to movements: pure, no database."""

import json
from pathlib import Path

import pytest

from models.enums import Equipment, Level, Pattern
from services.library.free_exercise_db import ImportFormatError, map_exercise
from services.library.movement_catalogue import load_catalogue
from services.library.movement_import import ImportPlan, plan_import, read_import_file, split_for_library

SMALL_FILE = Path(__file__).parent / "data" / "small_exercises.json"
REAL_FILE = Path("/work/shared/data/free-exercise-db/exercises.json")
E = Equipment


def entry(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "Some_Lift",
        "name": "Some Lift",
        "force": "push",
        "level": "beginner",
        "mechanic": "compound",
        "equipment": "barbell",
        "primaryMuscles": ["chest"],
        "secondaryMuscles": [],
        "instructions": [],
        "category": "strength",
        "images": [],
    }
    return base | fields


@pytest.fixture(scope="module")
def small_plan() -> ImportPlan:
    return read_import_file(SMALL_FILE)


def test_small_file_maps_known_values(small_plan: ImportPlan) -> None:
    got = {
        s.name: (s.pattern, set(s.equipment), s.level, s.is_compound, s.is_unilateral)
        for s in small_plan.specs
    }
    assert got == {
        "Barbell Full Squat": (Pattern.SQUAT, {E.BARBELL}, Level.INTERMEDIATE, True, False),
        "Pushups": (Pattern.HORIZONTAL_PUSH, {E.BODYWEIGHT}, Level.BEGINNER, True, False),
        "One-Arm Kettlebell Swings": (Pattern.HINGE, {E.KETTLEBELL}, Level.INTERMEDIATE, True, True),
        "Close-Grip EZ Bar Curl": (Pattern.BICEPS, {E.BARBELL}, Level.BEGINNER, False, False),
        "Incline Hammer Curls": (Pattern.BICEPS, {E.DUMBBELL, E.BENCH}, Level.BEGINNER, False, False),
        "Pullups": (Pattern.VERTICAL_PULL, {E.PULL_UP_BAR}, Level.BEGINNER, True, False),
        "Dips - Triceps Version": (Pattern.TRICEPS, {E.MACHINE}, Level.BEGINNER, True, False),
        "Power Snatch": (Pattern.HINGE, {E.BARBELL}, Level.ADVANCED, True, False),
        "Seated Cable Rows": (Pattern.HORIZONTAL_PULL, {E.CABLE}, Level.BEGINNER, True, False),
        "Romanian Deadlift": (Pattern.HINGE, {E.BARBELL}, Level.INTERMEDIATE, True, False),
        "Barbell Deadlift": (Pattern.HINGE, {E.BARBELL}, Level.INTERMEDIATE, True, False),
    }
    assert all(s.aliases == () and s.primary_muscles for s in small_plan.specs)


def test_unknown_values_are_reported_not_guessed(small_plan: ImportPlan) -> None:
    assert small_plan.total == 18
    assert small_plan.unknown_values == {
        "category": {"stretching": 2, "plyometrics": 1},
        "equipment": {"foam roll": 1, "other": 1, "null": 1, "medicine ball": 1},
        "primaryMuscles": {"forearms": 1},
    }
    reasons = {s.name: s.reason for s in small_plan.skipped}
    assert reasons == {
        "PULLUPS": "same slug as 'Pullups' earlier in the file",
        "Hamstring Stretch": "unknown category 'stretching'",
        "Quadriceps-SMR": "unknown category 'stretching'; unknown equipment 'foam roll'",
        "Atlas Stones": "unknown equipment 'other'",
        "Inverted Row": "unknown equipment 'null'",
        "Palms-Up Barbell Wrist Curl": "unknown primaryMuscles 'forearms'",
        "Overhead Slam": "unknown category 'plyometrics'; unknown equipment 'medicine ball'",
    }
    assert len(small_plan.specs) + len(small_plan.skipped) == small_plan.total


def test_curated_names_and_aliases_are_never_taken_over(small_plan: ImportPlan) -> None:
    writes, skipped = split_for_library(small_plan.specs, existing=[], curated=load_catalogue())
    assert {s.name: s.reason for s in skipped} == {
        "Romanian Deadlift": "already in the curated catalogue as 'barbell-romanian-deadlift'",
        "Barbell Deadlift": "already in the curated catalogue as 'barbell-deadlift'",
    }
    assert len(writes) == 9


def test_existing_rows_are_updated_but_their_aliases_are_protected(small_plan: ImportPlan) -> None:
    existing = [("pushups", []), ("old-pullup-move", ["Pullups"])]
    writes, skipped = split_for_library(small_plan.specs, existing, curated=[])
    assert "Pushups" in {s.name for s in writes}  # an earlier import: updated in place
    assert [(s.name, s.reason) for s in skipped] == [
        ("Pullups", "an alias of library movement 'old-pullup-move'")
    ]


def test_other_levels_mechanics_and_forces_are_unknown() -> None:
    spec, unknowns = map_exercise(entry(level="elite", mechanic="hybrid", force="twist"), "x")
    assert spec is None
    assert unknowns == [("level", "elite"), ("mechanic", "hybrid"), ("force", "twist")]


def test_name_rules_beat_muscle_rules() -> None:
    shrug, _ = map_exercise(entry(name="Calf-Machine Shoulder Shrug", equipment="machine"), "x")
    calf, _ = map_exercise(entry(name="Calf Press On The Leg Press Machine", equipment="machine"), "x")
    fly, _ = map_exercise(entry(name="Incline Dumbbell Flyes", equipment="dumbbell"), "x")
    assert shrug is not None and shrug.pattern is Pattern.SHOULDERS
    assert calf is not None and calf.pattern is Pattern.CALVES
    assert fly is not None and (fly.pattern, set(fly.equipment)) == (Pattern.CHEST, {E.DUMBBELL, E.BENCH})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Squat"}, "expected a JSON array of exercises, got dict"),
        (["Squat"], r"<data>\[0\]: expected an exercise object, got str"),
        ([entry(), entry(name=None, id="Nameless_Lift")], r"<data>\[1\] \(id 'Nameless_Lift'\): missing"),
        ([entry(name="   ")], r"<data>\[0\] \(id 'Some_Lift'\): missing or empty 'name'"),
        ([entry(level=None)], r"<data>\[0\] \('Some Lift'\): missing or non-string 'level'"),
        ([entry(primaryMuscles="chest")], r"\('Some Lift'\): 'primaryMuscles' must be a list"),
        ([entry(name="Squat\x00")], r"<data>\[0\]: name must not contain the NUL character"),
        ([entry(name="Squat\ud800")], r"<data>\[0\]: name must be Unicode text"),
    ],
)
def test_malformed_data_raises_naming_the_entry(data: object, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        plan_import(data)


def test_unreadable_json_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"name": "Squat",', encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"broken\.json: not a JSON file"):
        read_import_file(path)


def test_real_file_is_mapped_and_its_unknown_values_reported() -> None:
    plan = read_import_file(REAL_FILE)
    raw = json.loads(REAL_FILE.read_text(encoding="utf-8"))
    assert plan.total == len(raw) == 873
    assert len(plan.specs) + len(plan.skipped) == 873
    assert plan.unknown_values["category"] == {"stretching": 123, "plyometrics": 61, "cardio": 14}
    assert set(plan.unknown_values["equipment"]) == {
        "other",
        "null",
        "medicine ball",
        "exercise ball",
        "foam roll",
    }
    assert set(plan.unknown_values["primaryMuscles"]) == {"forearms", "adductors", "neck"}
    assert {s.pattern for s in plan.specs} >= set(Pattern) - {Pattern.CARRY}
    assert len({s.slug for s in plan.specs}) == len(plan.specs)
