"""Property tests: random programs drafted in full, against the synthetic and the real catalogue.

If the real catalogue cannot give some equipment/level combination three exercises, the DraftError
names the combination and the missing patterns: fix the catalogue, not this test.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.enums import Equipment, Goal, Level
from services.generation.session_drafting import MIN_EXERCISES, ProgramParams
from services.generation.training_splits import block_of, phase_for
from services.library.movement_catalogue import MovementSpec

from .catalogues import SYNTHETIC, real_catalogue
from .programs import accessories, draft_program, main_lifts, week_volume

REAL = real_catalogue()


def catalogue_for(name: str) -> tuple[MovementSpec, ...]:
    if name == "synthetic":
        return SYNTHETIC
    if REAL is None:
        pytest.skip("data/movements.yaml does not exist yet")
    return REAL


CATALOGUES = ["synthetic", "real"]


ANY_WEEKS = st.integers(1, 16)


def programs(weeks: st.SearchStrategy[int] = ANY_WEEKS) -> st.SearchStrategy[ProgramParams]:
    return st.builds(
        ProgramParams,
        program_id=st.integers(1, 10**9),
        goal=st.sampled_from(Goal),
        level=st.sampled_from(Level),
        days_per_week=st.integers(1, 7),
        weeks=weeks,
        minutes_per_session=st.integers(20, 180),
        equipment=st.frozensets(st.sampled_from(Equipment)),
    )


@pytest.mark.parametrize("catalogue_name", CATALOGUES)
@settings(max_examples=150, deadline=None)
@given(params=programs())
def test_every_drafted_program_is_valid(catalogue_name: str, params: ProgramParams) -> None:
    catalogue = catalogue_for(catalogue_name)
    by_name = {spec.name: spec for spec in catalogue}
    program = draft_program(params, catalogue)

    for week, sessions in enumerate(program, start=1):
        for day, session in enumerate(sessions, start=1):
            where = f"week {week} day {day} ({session.focus.value}, {session.phase.value})"
            names = [ex.movement_name for ex in session.exercises]
            assert len(names) >= MIN_EXERCISES, where
            assert len(set(names)) == len(names), f"{where}: a movement twice: {names}"
            assert session.estimated_minutes <= params.minutes_per_session, where
            assert session.phase is phase_for(week, params.weeks)
            for ex in session.exercises:
                spec = by_name[ex.movement_name]
                assert spec.fits(params.equipment, params.level), f"{where}: {spec} does not fit"
                assert ex.pattern is spec.pattern
                assert ex.sets >= 1 and 1 <= ex.reps_min <= ex.reps_max and ex.rest_seconds > 0
                assert (ex.target_rpe is None) != (ex.target_percent_1rm is None)

    # Deload weeks carry less volume than the loading week before them.
    for week in range(4, params.weeks + 1, 4):
        assert week_volume(program[week - 1]) < week_volume(program[week - 2]), f"deload week {week}"

    # Main lifts stay the same through a block (deload included).
    for week in range(2, params.weeks + 1):
        if block_of(week) == block_of(week - 1):
            for before, after in zip(program[week - 2], program[week - 1], strict=True):
                assert main_lifts(after) == main_lifts(before), f"week {week}"

    # Deterministic, and independent of the catalogue's order.
    assert draft_program(params, tuple(reversed(catalogue))) == program


@pytest.mark.parametrize("catalogue_name", CATALOGUES)
@settings(max_examples=100, deadline=None)
@given(params=programs(weeks=st.just(12)))
def test_accessories_rotate_between_blocks(catalogue_name: str, params: ProgramParams) -> None:
    program = draft_program(params, catalogue_for(catalogue_name))
    assert any(accessories(a) != accessories(b) for a, b in zip(program[0], program[4], strict=True))
    # Accessories hold for two loading weeks, then change (Kassiano 2022: every 2-4 weeks, not
    # every week; the A/B every week of before changed by design in issue 15).
    # (A session's list may differ by one where a weekly volume cap drops an accessory in one
    # week and not in the other: the weeks' sets differ by the block's progression.)
    week_1, week_2, week_3 = program[0], program[1], program[2]
    assert all(
        len(set(accessories(a)) ^ set(accessories(b))) <= 1 for a, b in zip(week_1, week_2, strict=True)
    )
    assert any(set(accessories(b)) - set(accessories(a)) for a, b in zip(week_2, week_3, strict=True))
