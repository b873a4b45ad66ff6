"""Loading schemes per goal, role and phase; deloads; session duration."""

import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.enums import Goal, Phase
from services.generation.programming_rules import (
    SECONDS_PER_REP,
    SETUP_SECONDS_PER_EXERCISE,
    Prescription,
    SlotRole,
    deload,
    estimate_minutes,
    prescribe,
)

LOADING = (Phase.ACCUMULATION, Phase.INTENSIFICATION, Phase.REALIZATION)


def volume(p: Prescription) -> int:
    return p.sets * p.reps_max


@pytest.mark.parametrize(("goal", "role", "phase"), list(itertools.product(Goal, SlotRole, Phase)))
def test_every_prescription_is_valid(goal: Goal, role: SlotRole, phase: Phase) -> None:
    for loaded in (True, False):
        p = prescribe(goal, role, phase, loaded=loaded)
        assert p.sets >= 1 and 1 <= p.reps_min <= p.reps_max and p.rest_seconds >= 30
        assert (p.target_rpe is None) != (p.target_percent_1rm is None), "exactly one intensity target"
        if p.target_rpe is not None:
            assert isinstance(p.target_rpe, Decimal)
            assert Decimal(5) <= p.target_rpe <= Decimal(10)
            assert p.target_rpe == p.target_rpe.quantize(Decimal("0.1"))  # fits NUMERIC(3, 1)
        else:
            assert p.target_percent_1rm is not None and 50 <= p.target_percent_1rm <= 100


def test_only_loaded_strength_main_lifts_use_percent_of_1rm() -> None:
    for goal, role, phase in itertools.product(Goal, SlotRole, LOADING):
        uses_percent = prescribe(goal, role, phase).target_percent_1rm is not None
        assert uses_percent == (goal is Goal.STRENGTH and role is SlotRole.MAIN)
    # A main lift with no external load (push-ups for strength) gets an RPE instead.
    bodyweight = prescribe(Goal.STRENGTH, SlotRole.MAIN, Phase.ACCUMULATION, loaded=False)
    assert bodyweight.target_percent_1rm is None and bodyweight.target_rpe is not None


def intensity(p: Prescription) -> Decimal:
    return Decimal(p.target_percent_1rm) if p.target_percent_1rm is not None else p.target_rpe or Decimal(0)


@pytest.mark.parametrize(("goal", "role"), list(itertools.product(Goal, SlotRole)))
def test_loading_phases_get_heavier_and_not_more_voluminous(goal: Goal, role: SlotRole) -> None:
    phases = [prescribe(goal, role, phase) for phase in LOADING]
    for before, after in itertools.pairwise(phases):
        assert after.reps_max <= before.reps_max
        assert intensity(after) >= intensity(before)
        assert after.sets <= before.sets
    assert intensity(phases[-1]) > intensity(phases[0])


def test_goals_differ_the_way_a_coach_expects() -> None:
    def main(goal: Goal) -> Prescription:
        return prescribe(goal, SlotRole.MAIN, Phase.ACCUMULATION)

    strength, hypertrophy, endurance = main(Goal.STRENGTH), main(Goal.HYPERTROPHY), main(Goal.ENDURANCE)
    assert strength.reps_max < hypertrophy.reps_max < endurance.reps_max
    assert strength.rest_seconds > hypertrophy.rest_seconds > endurance.rest_seconds
    for goal in Goal:  # main lifts rest longest, isolation work shortest
        rests = [prescribe(goal, role, Phase.ACCUMULATION).rest_seconds for role in SlotRole]
        assert rests == sorted(rests, reverse=True)


def test_deload_cuts_volume_by_about_forty_percent_and_lowers_intensity() -> None:
    for goal, role, phase in itertools.product(Goal, SlotRole, LOADING):
        loading = prescribe(goal, role, phase)
        light = deload(loading)
        assert light.reps_min == loading.reps_min and light.reps_max == loading.reps_max
        assert 0.4 <= volume(light) / volume(loading) <= 0.7
        assert intensity(light) < intensity(loading)
        assert light.rest_seconds <= loading.rest_seconds
    assert volume(prescribe(Goal.HYPERTROPHY, SlotRole.MAIN, Phase.DELOAD)) < volume(
        prescribe(Goal.HYPERTROPHY, SlotRole.MAIN, Phase.ACCUMULATION)
    )


prescriptions = st.builds(
    Prescription,
    sets=st.integers(1, 10),
    reps_min=st.integers(1, 30),
    reps_max=st.integers(1, 30),
    target_rpe=st.one_of(st.none(), st.decimals("5", "10", places=1)),
    target_percent_1rm=st.one_of(st.none(), st.integers(60, 100)),
    rest_seconds=st.integers(30, 300),
).filter(lambda p: p.reps_min <= p.reps_max and p.reps_max > 1)


@settings(max_examples=200, deadline=None)
@given(prescriptions)
def test_deload_always_reduces_volume(p: Prescription) -> None:
    light = deload(p)
    assert volume(light) < volume(p)
    assert light.sets >= 1 and 1 <= light.reps_min <= light.reps_max
    if p.target_rpe is not None:
        assert light.target_rpe is not None and light.target_rpe <= p.target_rpe
    if p.target_percent_1rm is not None:
        assert light.target_percent_1rm is not None and light.target_percent_1rm < p.target_percent_1rm


@dataclass
class Ex:
    sets: int
    reps_max: int
    rest_seconds: int
    unilateral: bool = False


def test_estimate_minutes() -> None:
    assert estimate_minutes([]) == 0
    one = Ex(sets=3, reps_max=10, rest_seconds=90)
    seconds = 3 * (10 * SECONDS_PER_REP + 90) + SETUP_SECONDS_PER_EXERCISE
    assert estimate_minutes([one]) == round(seconds / 60, 1)
    assert estimate_minutes([one, one]) == round(2 * seconds / 60, 1)
    # Reps of a unilateral movement are per side: twice the working time, same rest.
    single_leg = Ex(sets=3, reps_max=10, rest_seconds=90, unilateral=True)
    assert estimate_minutes([single_leg]) == round((seconds + 3 * 10 * SECONDS_PER_REP) / 60, 1)


@pytest.mark.parametrize(("goal", "role", "phase"), list(itertools.product(Goal, SlotRole, LOADING)))
def test_each_loading_week_of_a_block_is_harder_than_the_one_before(
    goal: Goal, role: SlotRole, phase: Phase
) -> None:
    weeks = [prescribe(goal, role, phase, week_in_block=week) for week in (1, 2, 3)]
    assert weeks[0] == prescribe(goal, role, phase)
    for before, after in itertools.pairwise(weeks):
        # heavier, or more sets, or a rep less at the same effort (which is a heavier load)
        harder = intensity(after) > intensity(before) or after.sets > before.sets
        harder = harder or after.reps_max < before.reps_max
        assert harder and intensity(after) >= intensity(before) and after.sets >= before.sets
        assert after.reps_min == before.reps_min and after.reps_max <= before.reps_max
        assert after.target_rpe is None or after.target_rpe <= Decimal("9.5")
