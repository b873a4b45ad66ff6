"""Weekly splits and periodisation phases."""

import pytest

from models.enums import Focus, Phase
from services.generation.training_splits import block_of, focus_variant, phase_for, split_for

FB, UP, LO, PUSH, PULL, LEGS = (Focus.FULL_BODY, Focus.UPPER, Focus.LOWER, Focus.PUSH, Focus.PULL, Focus.LEGS)
A, IN, R, D = Phase.ACCUMULATION, Phase.INTENSIFICATION, Phase.REALIZATION, Phase.DELOAD


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (1, (FB,)),
        (2, (FB, FB)),
        (3, (FB, FB, FB)),
        (4, (UP, LO, UP, LO)),
        (5, (UP, LO, PUSH, PULL, LEGS)),
        (6, (PUSH, PULL, LEGS, PUSH, PULL, LEGS)),
        (7, (PUSH, PULL, LEGS, PUSH, PULL, LEGS, FB)),
    ],
)
def test_split_for(days: int, expected: tuple[Focus, ...]) -> None:
    assert split_for(days) == expected


@pytest.mark.parametrize("days", [0, 8, -1])
def test_split_for_rejects_impossible_weeks(days: int) -> None:
    with pytest.raises(ValueError, match="days_per_week"):
        split_for(days)


def test_every_split_trains_upper_and_lower_body_each_week() -> None:
    upper = {FB, UP, PUSH, PULL}
    lower = {FB, LO, LEGS}
    for days in range(1, 8):
        split = set(split_for(days))
        assert split & upper and split & lower, days


def test_focus_variant_counts_earlier_days_with_the_same_focus() -> None:
    assert [focus_variant(4, d, f) for d, f in enumerate(split_for(4), 1)] == [0, 0, 1, 1]
    assert [focus_variant(3, d, FB) for d in (1, 2, 3)] == [0, 1, 2]
    assert focus_variant(7, 7, FB) == 0
    assert focus_variant(4, 1, PUSH) == 0  # a day that does not match the split


def test_block_of() -> None:
    assert [block_of(w) for w in range(1, 10)] == [1, 1, 1, 1, 2, 2, 2, 2, 3]
    with pytest.raises(ValueError):
        block_of(0)


@pytest.mark.parametrize(
    ("weeks", "expected"),
    [
        (1, [A]),
        (2, [A, IN]),
        (3, [A, IN, R]),
        (4, [A, IN, R, D]),
        (6, [A, A, IN, D, IN, R]),
        (8, [A, A, IN, D, IN, R, R, D]),
        (12, [A, A, A, D, IN, IN, IN, D, R, R, R, D]),
    ],
)
def test_phase_for_examples(weeks: int, expected: list[Phase]) -> None:
    assert [phase_for(w, weeks) for w in range(1, weeks + 1)] == expected


@pytest.mark.parametrize("weeks", range(1, 53))
def test_phase_structure(weeks: int) -> None:
    phases = [phase_for(w, weeks) for w in range(1, weeks + 1)]
    # Every 4th week is a deload and no other week is; 1-3 week programs have none.
    assert [w for w, p in enumerate(phases, 1) if p is D] == list(range(4, weeks + 1, 4))
    assert phases[0] is A
    # Loading phases never go back: accumulation, then intensification, then realisation.
    loading = [p for p in phases if p is not D]
    order = [A, IN, R]
    assert [order.index(p) for p in loading] == sorted(order.index(p) for p in loading)
    if weeks >= 3:
        assert loading[-1] is R and set(loading) == {A, IN, R}


@pytest.mark.parametrize(("week", "weeks"), [(0, 4), (5, 4), (1, 0)])
def test_phase_for_rejects_weeks_outside_the_program(week: int, weeks: int) -> None:
    with pytest.raises(ValueError):
        phase_for(week, weeks)
