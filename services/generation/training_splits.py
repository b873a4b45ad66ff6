"""Weekly splits and the phase of each week: the calendar side of a program, with no exercises.

Periodisation model: the program is cut into blocks of 4 weeks, three loading weeks followed by a
deload week (every 4th week). A program of 1-3 weeks therefore has no deload, and a deload is
never the only week. The loading weeks of the whole program are split in thirds: the first third
accumulates (more volume, moderate load), the second intensifies, the last third realises (peak,
heaviest and least volume). A 12-week program thus gets the textbook sequence of one block per
phase; a 4-week program goes accumulation, intensification, realisation, deload.
"""

from models.enums import Focus, Phase

BLOCK_WEEKS = 4
"""Weeks per block (mesocycle): three loading weeks and one deload week."""

_FB, _UP, _LO = Focus.FULL_BODY, Focus.UPPER, Focus.LOWER
_PUSH, _PULL, _LEGS = Focus.PUSH, Focus.PULL, Focus.LEGS

# Fewer days train everything each day (frequency 1-3 per muscle); from 4 days on the body is split
# so each muscle still gets about two sessions a week without any day growing too long.
_SPLITS: dict[int, tuple[Focus, ...]] = {
    1: (_FB,),
    2: (_FB, _FB),
    3: (_FB, _FB, _FB),
    4: (_UP, _LO, _UP, _LO),
    5: (_UP, _LO, _PUSH, _PULL, _LEGS),
    6: (_PUSH, _PULL, _LEGS, _PUSH, _PULL, _LEGS),
    # Seven days: push/pull/legs twice plus a full-body day, so no muscle gets three hard days.
    7: (_PUSH, _PULL, _LEGS, _PUSH, _PULL, _LEGS, _FB),
}

_LOADING_PHASES = (Phase.ACCUMULATION, Phase.INTENSIFICATION, Phase.REALIZATION)


def split_for(days_per_week: int) -> tuple[Focus, ...]:
    """The focus of each training day of a week, in day order (day 1 first)."""
    try:
        return _SPLITS[days_per_week]
    except KeyError:
        raise ValueError(f"days_per_week must be 1..7, got {days_per_week}") from None


def focus_variant(days_per_week: int, day_index: int, focus: Focus) -> int:
    """How many earlier days of the week share this day's focus (0 for the first upper day, ...).

    Lets the second upper day of an upper/lower split train different main lifts from the first.
    A day that does not match the split (the caller's choice) counts as the first of its kind.
    """
    split = _SPLITS.get(days_per_week, ())
    if not 1 <= day_index <= len(split) or split[day_index - 1] is not focus:
        return 0
    return split[: day_index - 1].count(focus)


def block_of(week_index: int) -> int:
    """The 1-based block (mesocycle) a 1-based week belongs to: weeks 1-4 are block 1."""
    if week_index < 1:
        raise ValueError(f"week_index is 1-based, got {week_index}")
    return (week_index - 1) // BLOCK_WEEKS + 1


def week_in_block(week_index: int) -> int:
    """The 1-based position of a week inside its block (4 is the deload position)."""
    if week_index < 1:
        raise ValueError(f"week_index is 1-based, got {week_index}")
    return (week_index - 1) % BLOCK_WEEKS + 1


def is_deload_week(week_index: int) -> bool:
    return week_in_block(week_index) == BLOCK_WEEKS


def loading_week_ordinal(week_index: int) -> int:
    """0-based count of loading (non-deload) weeks before this one."""
    return (week_index - 1) - (week_index - 1) // BLOCK_WEEKS


def phase_for(week_index: int, weeks: int) -> Phase:
    """The phase of a 1-based week in a program of ``weeks`` weeks (see the module docstring)."""
    if weeks < 1 or not 1 <= week_index <= weeks:
        raise ValueError(f"week {week_index} is outside a program of {weeks} weeks")
    if is_deload_week(week_index):
        return Phase.DELOAD
    loading_weeks = weeks - weeks // BLOCK_WEEKS
    third = loading_week_ordinal(week_index) * len(_LOADING_PHASES) // loading_weeks
    return _LOADING_PHASES[third]
