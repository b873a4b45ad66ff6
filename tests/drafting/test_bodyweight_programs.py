"""Bodyweight-only programs (issue 15): hard progressions, reps near failure, the minutes filled."""

from models.enums import Goal, Level, Pattern
from services.generation.prescription_kinds import is_explosive
from services.generation.programming_rules import UNLOADED_STRENGTH_NOTE
from services.generation.session_drafting import ProgramParams
from services.library.movement_catalogue import load_catalogue

from .programs import draft_program

CATALOGUE = load_catalogue()
BY_NAME = {spec.name: spec for spec in CATALOGUE}


def test_intermediate_bodyweight_strength_gets_hard_progressions_and_fills_the_hour() -> None:
    params = ProgramParams(2, Goal.STRENGTH, Level.INTERMEDIATE, 3, 12, 60, frozenset())
    program = draft_program(params, CATALOGUE)
    hardest: dict[Pattern, int] = {}
    for spec in CATALOGUE:
        if spec.is_compound and spec.fits(params.equipment, params.level):
            hardest[spec.pattern] = max(hardest.get(spec.pattern, 0), spec.level.rank)
    for week, sessions in enumerate(program, start=1):
        if sessions[0].phase.value == "deload":
            continue
        for session in sessions:
            where = f"week {week} {session.exercises}"
            assert session.estimated_minutes >= 0.85 * 60, where
            for ex in session.exercises:
                spec = BY_NAME[ex.movement_name]
                if ex.is_main_lift:  # the hardest progression the level allows, not a wall push-up
                    assert spec.level.rank == hardest[spec.pattern], where
                if ex.is_main_lift:
                    assert not is_explosive(ex.movement_name), where
                if ex.kind.value == "reps" and not is_explosive(ex.movement_name):
                    assert ex.target_rpe is not None and ex.target_rpe >= 8, where  # near failure
                    assert ex.notes is not None and UNLOADED_STRENGTH_NOTE in ex.notes, where
    names = {ex.movement_name for sessions in program for s in sessions for ex in s.exercises}
    assert not names & {"Wall Push-Up", "Knee Push-Up"}
