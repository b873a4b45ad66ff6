"""Unit tests of the session drafter on small, hand-built catalogues and the synthetic one."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from models.enums import Equipment, Focus, Goal, Level, Pattern, Phase, PrescriptionKind
from services.generation.movement_selection import stable_seed
from services.generation.prescription_kinds import prescription_kind
from services.generation.programming_rules import SlotRole
from services.generation.session_drafting import (
    MIN_EXERCISES,
    DraftError,
    ProgramParams,
)
from services.generation.session_templates import TEMPLATES
from services.generation.week_planner import draft_session

from .catalogues import SYNTHETIC, spec
from .programs import draft_program, main_lifts

FULL_GYM = frozenset(Equipment)


def params(**changes: object) -> ProgramParams:
    base: dict[str, Any] = {
        "program_id": 42,
        "goal": Goal.HYPERTROPHY,
        "level": Level.INTERMEDIATE,
        "days_per_week": 4,
        "weeks": 12,
        "minutes_per_session": 75,
        "equipment": FULL_GYM,
    }
    base.update(changes)
    return ProgramParams(**base)


def test_templates_put_main_lifts_first() -> None:
    for variants in TEMPLATES.values():
        for slots in variants:
            roles = [slot.role is SlotRole.MAIN for slot in slots]
            assert roles == sorted(roles, reverse=True) and roles[0]


def test_stable_seed_does_not_depend_on_the_process() -> None:
    assert stable_seed(1, "upper", 3) == stable_seed(1, "upper", 3) != stable_seed(1, "upper", 4)
    assert stable_seed(1, "upper", 3) == 6227537597769077844  # pinned: a change re-plans every program


def test_drafts_are_identical_across_processes_with_different_hash_seeds() -> None:
    code = (
        "from models.enums import *; from services.generation.session_drafting import ProgramParams;"
        "from tests.drafting.catalogues import SYNTHETIC; from tests.drafting.programs import draft_program;"
        "print(draft_program(ProgramParams(9, Goal.STRENGTH, Level.ADVANCED, 3, 5, 60,"
        " frozenset({Equipment.BARBELL, Equipment.DUMBBELL})), SYNTHETIC))"
    )
    root = Path(__file__).resolve().parents[2]
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(root)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1 and "SessionDraft" in outputs.pop()


def test_main_slots_prefer_compound_bilateral_loaded_lifts() -> None:
    catalogue = (
        spec("Squat Drill", Pattern.SQUAT, compound=False),
        spec("Bodyweight Squat", Pattern.SQUAT),
        spec("Split Squat", Pattern.SQUAT, frozenset({Equipment.DUMBBELL}), unilateral=True),
        spec("Goblet Squat", Pattern.SQUAT, frozenset({Equipment.DUMBBELL})),
        spec("Back Squat", Pattern.SQUAT, frozenset({Equipment.BARBELL})),
        spec("Push-Up", Pattern.HORIZONTAL_PUSH),
        spec("Row", Pattern.HORIZONTAL_PULL),
    )

    def main_squat(equipment: frozenset[Equipment], program_id: int) -> str:
        draft = draft_session(
            params(program_id=program_id, equipment=equipment, days_per_week=1),
            1,
            1,
            Focus.FULL_BODY,
            Phase.ACCUMULATION,
            catalogue,
        )
        return draft.exercises[0].movement_name

    for program_id in range(20):
        assert main_squat(FULL_GYM, program_id) == "Back Squat"
        assert main_squat(frozenset({Equipment.DUMBBELL}), program_id) == "Goblet Squat"
        assert main_squat(frozenset(), program_id) == "Bodyweight Squat"


def test_strength_main_lifts_get_percent_only_when_loaded() -> None:
    catalogue = (
        spec("Back Squat", Pattern.SQUAT, frozenset({Equipment.BARBELL})),
        spec("Push-Up", Pattern.HORIZONTAL_PUSH),
        spec("Row", Pattern.HORIZONTAL_PULL, frozenset({Equipment.DUMBBELL})),
    )
    draft = draft_session(
        params(goal=Goal.STRENGTH, days_per_week=1), 1, 1, Focus.FULL_BODY, Phase.ACCUMULATION, catalogue
    )
    squat, push_up, row = draft.exercises
    assert squat.is_main_lift and squat.target_percent_1rm == 75 and squat.target_rpe is None
    assert push_up.is_main_lift and push_up.target_percent_1rm is None and push_up.target_rpe is not None
    assert not row.is_main_lift and row.target_rpe is not None


def test_slots_without_candidates_are_skipped_and_reserves_top_up_to_three() -> None:
    catalogue = (
        spec("Row", Pattern.HORIZONTAL_PULL),
        spec("Plank", Pattern.CORE),
        spec("Good Morning", Pattern.HINGE),
        spec("Squat", Pattern.SQUAT),
    )
    draft = draft_session(params(days_per_week=6), 1, 2, Focus.PULL, Phase.ACCUMULATION, catalogue)
    names = [ex.movement_name for ex in draft.exercises]
    # The pull template finds only the row and the plank; the reserve adds a hinge, not a squat;
    # compound movements come before isolation work (issue 15).
    assert names == ["Row", "Good Morning", "Plank"]
    plank = next(ex for ex in draft.exercises if ex.movement_name == "Plank")
    assert plank.kind is PrescriptionKind.SECONDS and plank.duration_seconds == 30  # hypertrophy, week 1
    assert plank.reps_min == plank.reps_max == 1 and plank.distance_meters is None


def test_too_thin_a_catalogue_is_a_typed_error_naming_the_gaps() -> None:
    catalogue = (spec("Squat", Pattern.SQUAT), spec("Push-Up", Pattern.HORIZONTAL_PUSH))
    with pytest.raises(DraftError) as caught:
        draft_session(
            params(level=Level.BEGINNER, equipment=frozenset()),
            1,
            2,
            Focus.LOWER,
            Phase.ACCUMULATION,
            catalogue,
        )
    message = str(caught.value)
    assert "only 1 movement(s) fit a lower session for level beginner" in message
    assert "hinge" in message and "lunge" in message and "squat," not in message


def test_equipment_and_level_filter_candidates() -> None:
    draft = draft_session(
        params(level=Level.BEGINNER, equipment=frozenset({Equipment.DUMBBELL})),
        1,
        1,
        Focus.UPPER,
        Phase.ACCUMULATION,
        SYNTHETIC,
    )
    by_name = {s.name: s for s in SYNTHETIC}
    for ex in draft.exercises:
        movement = by_name[ex.movement_name]
        assert movement.level is Level.BEGINNER
        assert movement.equipment <= {Equipment.DUMBBELL, Equipment.BODYWEIGHT}


@pytest.mark.parametrize("minutes", [15, 20, 30])
@pytest.mark.parametrize("goal", list(Goal))
def test_short_sessions_keep_three_exercises_and_fit(minutes: int, goal: Goal) -> None:
    for week in range(1, 13):
        draft = draft_session(
            params(goal=goal, minutes_per_session=minutes, days_per_week=1),
            week,
            1,
            Focus.FULL_BODY,
            Phase.REALIZATION,
            SYNTHETIC,
        )
        assert len(draft.exercises) == MIN_EXERCISES
        assert draft.estimated_minutes <= minutes
        assert all(ex.sets >= 1 and ex.rest_seconds >= 45 for ex in draft.exercises)


def test_long_sessions_use_the_whole_template() -> None:
    draft = draft_session(params(minutes_per_session=240), 1, 1, Focus.UPPER, Phase.ACCUMULATION, SYNTHETIC)
    assert len(draft.exercises) == len(TEMPLATES[Focus.UPPER][0])


def test_time_budget_drops_the_lowest_priority_slots_first() -> None:
    # Two days a week: no accessory is swapped towards a volume floor (services/generation/floor_swaps.py).
    two_days = {"days_per_week": 2}
    long = draft_session(
        params(minutes_per_session=240, **two_days), 1, 2, Focus.LOWER, Phase.ACCUMULATION, SYNTHETIC
    )
    short = draft_session(
        params(minutes_per_session=45, **two_days), 1, 2, Focus.LOWER, Phase.ACCUMULATION, SYNTHETIC
    )
    assert MIN_EXERCISES <= len(short.exercises) < len(long.exercises)
    # The short session keeps the first slots (sets and rests are the week's balance: issue 15).
    assert {e.movement_name for e in short.exercises} < {e.movement_name for e in long.exercises}
    assert short.exercises[0].movement_name == long.exercises[0].movement_name


def test_two_upper_days_of_a_week_train_different_main_lifts() -> None:
    week = draft_program(params(weeks=1), SYNTHETIC)[0]
    upper_1, upper_2 = week[0], week[2]
    assert {ex.pattern for ex in upper_1.exercises if ex.is_main_lift} == {
        Pattern.HORIZONTAL_PUSH,
        Pattern.HORIZONTAL_PULL,
    }
    assert {ex.pattern for ex in upper_2.exercises if ex.is_main_lift} == {
        Pattern.VERTICAL_PUSH,
        Pattern.VERTICAL_PULL,
    }


def test_main_lifts_change_between_blocks_and_deload_replays_the_week_before() -> None:
    # Advanced: two barbell variations per pattern, so the main lifts have something to rotate to.
    program = draft_program(params(level=Level.ADVANCED), SYNTHETIC)
    for day in range(4):
        assert main_lifts(program[0][day]) != main_lifts(program[4][day])
        week_3, deload = program[2][day], program[3][day]
        assert deload.phase is Phase.DELOAD
        assert [e.movement_name for e in deload.exercises] == [e.movement_name for e in week_3.exercises]
        for light, heavy in zip(deload.exercises, week_3.exercises, strict=True):
            assert light.sets < heavy.sets or heavy.sets == 1
            assert light.target_rpe is not None and heavy.target_rpe is not None
            assert light.target_rpe < heavy.target_rpe
            assert light.notes is not None and "Deload" in light.notes
        assert deload.estimated_minutes < week_3.estimated_minutes


def test_a_list_catalogue_drafts_like_the_tuple() -> None:
    as_tuple = draft_session(params(), 5, 1, Focus.UPPER, Phase.INTENSIFICATION, SYNTHETIC)
    as_list = draft_session(params(), 5, 1, Focus.UPPER, Phase.INTENSIFICATION, list(SYNTHETIC))
    assert as_tuple == as_list


def test_holds_are_prescribed_in_seconds_and_carries_in_meters() -> None:
    catalogue = (
        spec("Wall Sit", Pattern.QUADS, compound=False),
        spec("Bear Crawl", Pattern.CORE, compound=False),
        spec("Farmer's Carry", Pattern.CARRY, frozenset({Equipment.DUMBBELL})),
        spec("Wall Walk", Pattern.VERTICAL_PUSH),
    )
    kinds = {s.name: prescription_kind(s.pattern, s.name) for s in catalogue}
    assert kinds == {
        "Wall Sit": PrescriptionKind.SECONDS,
        "Bear Crawl": PrescriptionKind.DISTANCE,
        "Farmer's Carry": PrescriptionKind.DISTANCE,
        "Wall Walk": PrescriptionKind.REPS,
    }
    program = draft_program(params(goal=Goal.STRENGTH, days_per_week=1, weeks=2), catalogue)
    by_week = [{ex.movement_name: ex for ex in week[0].exercises} for week in program]
    for week, exercises in enumerate(by_week, start=1):
        carry = exercises["Farmer's Carry"]
        assert carry.kind is PrescriptionKind.DISTANCE and carry.reps_max == 1
        assert carry.distance_meters == 20 + 5 * (week - 1) and carry.duration_seconds is None
    assert by_week[0]["Wall Walk"].duration_seconds is None and by_week[0]["Wall Walk"].reps_max > 1
