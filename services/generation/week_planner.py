"""Plan a whole week at once, so its volume can be balanced; a session is its day's part of the plan.

Drafting is per session (one job per session), but volume per muscle, push:pull and frequency
are properties of the week. So every session computes the plan of its whole week from the
program's parameters, the week and the catalogue alone (no database state) and takes its day:
the sessions of one week, drafted in any order by any worker, agree by construction. Plans are
memoised per process, so the days of a week drafted by one worker cost one plan.

A loading week: every day is drafted (``session_drafting.draft_day``) and fitted to its minutes,
then the week's sets are balanced (``volume_balance``), then accessories are swapped where a
group stays below its floor or trains on one day only (``floor_swaps``), then each session is
ordered compound before isolation. A deload week is the plan of the week before with every
exercise deloaded (about 40 % fewer sets, lower intensity), so it carries less volume by
construction.
"""

from collections.abc import Sequence

from models.enums import Focus, Phase
from services.generation.floor_swaps import Swap, apply_swaps, swap_towards_floors
from services.generation.muscle_volume import volume_range
from services.generation.programming_rules import estimate_minutes
from services.generation.session_drafting import (
    ACCESSORY_HOLD_WEEKS,
    DraftError,
    DraftExercise,
    ProgramParams,
    SessionDraft,
    deloaded,
    draft_day,
    fit,
)
from services.generation.training_splits import (
    block_of,
    is_deload_week,
    loading_week_ordinal,
    phase_for,
    split_for,
)
from services.generation.volume_balance import balance_push_pull, balance_week
from services.generation.week_volume import Week
from services.library.movement_catalogue import MovementSpec

Days = tuple[tuple[int, Focus], ...]
Plan = tuple[SessionDraft | DraftError, ...]
_memo: dict[tuple[object, ...], tuple[Sequence[MovementSpec], Plan]] = {}
_swap_memo: dict[tuple[object, ...], tuple[Swap, ...]] = {}
"""The accessory swaps of each planned loading week (those it repeated included)."""


def draft_session(
    params: ProgramParams,
    week_index: int,
    day_index: int,
    focus: Focus,
    phase: Phase,
    catalogue: Sequence[MovementSpec],
) -> SessionDraft:
    """Draft the session of 1-based ``week_index`` and ``day_index``; raise DraftError if impossible.

    The week is the program's split with this day's focus as given; a day outside the split is
    planned as a week of its own.
    """
    split = split_for(params.days_per_week)
    if 1 <= day_index <= len(split):
        days: Days = tuple((d, focus if d == day_index else f) for d, f in enumerate(split, start=1))
        position = day_index - 1
    else:
        days, position = ((day_index, focus),), 0
    drafted = plan_week(params, week_index, phase, days, catalogue)[position]
    if isinstance(drafted, DraftError):
        raise drafted
    return drafted


def plan_week(
    params: ProgramParams, week_index: int, phase: Phase, days: Days, catalogue: Sequence[MovementSpec]
) -> Plan:
    """The drafts of ``days`` (day index, focus) of a week, in order; a DraftError for a day that
    cannot be drafted (the other days are planned without it)."""
    key = (params, week_index, phase, days, id(catalogue))
    hit = _memo.get(key)
    if hit is not None and hit[0] is catalogue:
        return hit[1]
    if phase is Phase.DELOAD:
        base_week = max(1, week_index - 1)
        base = plan_week(params, base_week, _loading_phase(params, base_week), days, catalogue)
        light = [[deloaded(e) for e in d.exercises] for d in base if not isinstance(d, DraftError)]
        cap = volume_range(params.goal, params.level).cap
        balance_push_pull(light, cap, params.minutes_per_session * 60, may_drop=False)
        lightened = iter(light)
        plan: Plan = tuple(
            d if isinstance(d, DraftError) else _session(d.focus, phase, next(lightened)) for d in base
        )
    else:
        plan = _plan_loading(params, week_index, phase, days, catalogue)
    if isinstance(catalogue, tuple):  # a list could change under the memo
        if len(_memo) >= 256:
            _memo.clear()
        _memo[key] = (catalogue, plan)
    return plan


def _loading_phase(params: ProgramParams, week_index: int) -> Phase:
    """The phase a deload is based on; accumulation when the calendar gives no loading week."""
    try:
        phase = phase_for(week_index, params.weeks)
    except ValueError:
        return Phase.ACCUMULATION
    return Phase.ACCUMULATION if phase is Phase.DELOAD else phase


def _plan_loading(
    params: ProgramParams, week_index: int, phase: Phase, days: Days, catalogue: Sequence[MovementSpec]
) -> Plan:
    drafted: list[list[DraftExercise] | DraftError] = []
    for day_index, focus in days:
        try:
            exercises = draft_day(params, week_index, day_index, focus, phase, catalogue)
            # The block's first week decides which exercises fit, so progression (a set more)
            # never drops an accessory: it holds for its weeks, trimmed to the minutes if need be.
            block_first = draft_day(
                params, week_index, day_index, focus, phase, catalogue, progression_week=1
            )
            kept = len(fit(block_first, params.minutes_per_session))
            try:
                drafted.append(fit(exercises[:kept], params.minutes_per_session, keep=kept))
            except DraftError:
                drafted.append(fit(exercises, params.minutes_per_session))
        except DraftError as exc:
            drafted.append(exc)
    good = [d for d in drafted if not isinstance(d, DraftError)]
    volumes = volume_range(params.goal, params.level)

    def balance(week: Week) -> Week:
        return balance_week(week, params.minutes_per_session, volumes)

    # Accessories hold for their weeks: a later week of the rotation repeats the first one's swaps
    # (and, in the same block, makes none of its own; a new block has new main lifts, so it may).
    first = _rotation_start(params, week_index)
    earlier: tuple[Swap, ...] = ()
    swaps: tuple[Swap, ...]
    if first != week_index:
        key = (params, first, days, id(catalogue))
        if key not in _swap_memo:
            _plan_loading(params, first, _loading_phase(params, first), days, catalogue)
        earlier = _swap_memo.get(key, ())
        good = apply_swaps(params, week_index, phase, good, earlier)
    if first != week_index and block_of(first) == block_of(week_index):
        swapped, swaps = balance(good), ()
    else:
        swapped, swaps = swap_towards_floors(
            params, week_index, phase, good, balance(good), catalogue, volumes, balance
        )
    if isinstance(catalogue, tuple):
        if len(_swap_memo) >= 256:
            _swap_memo.clear()
        _swap_memo[(params, week_index, days, id(catalogue))] = (*earlier, *swaps)
    balanced = iter(swapped)
    return tuple(
        d if isinstance(d, DraftError) else _session(focus, phase, _ordered(next(balanced)))
        for d, (_, focus) in zip(drafted, days, strict=True)
    )


def _rotation_start(params: ProgramParams, week_index: int) -> int:
    """The first loading week whose accessories this week's are (see ``session_drafting``)."""
    step = loading_week_ordinal(week_index) // ACCESSORY_HOLD_WEEKS
    first = week_index
    for week in range(week_index - 1, 0, -1):
        if is_deload_week(week):
            continue
        if loading_week_ordinal(week) // ACCESSORY_HOLD_WEEKS != step:
            break
        first = week
    return first


def _ordered(exercises: list[DraftExercise]) -> list[DraftExercise]:
    """Compound movements before isolation work; main lifts first among each (a stable sort)."""
    return sorted(exercises, key=lambda ex: (not ex.compound, not ex.is_main_lift))


def _session(focus: Focus, phase: Phase, exercises: list[DraftExercise]) -> SessionDraft:
    return SessionDraft(focus, phase, tuple(exercises), estimate_minutes(exercises))
