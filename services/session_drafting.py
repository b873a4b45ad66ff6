"""Draft one session: pick movements for the slots of its focus, prescribe them, fit the minutes.

Pure and deterministic: the same program, week, day and catalogue give the same draft in every
process (seeds come from hashlib, never from ``hash()``), so a regeneration reproduces the plan.

Variety without randomness at run time: the candidates of a pattern are shuffled once per
program and role with a stable seed, and every slot walks that order (see ``movement_selection``),
starting at its day's offset so the days of a week pick different movements where they can.
- Main lifts then step ``block - 1``: fixed for a 4-week block, a new variation the next block.
- Accessories step ``(block - 1) + (position in block) % 2``, i.e. A, B, A, (deload), B, C, B,
  ...: consecutive loading weeks always differ and so does the same week of the next block (week
  5 is never week 1 copied), which a fresh random choice per week would only make likely.
- A deload week replays the week before with less volume and intensity (same movements), so its
  volume is lower by construction.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from models.enums import Equipment, Focus, Goal, Level, Pattern, Phase
from services.movement_catalogue import MovementSpec
from services.movement_selection import LOADED_EQUIPMENT, candidates_by_pattern, choose
from services.programming_rules import (
    Prescription,
    SlotRole,
    deload,
    estimate_minutes,
    exercise_seconds,
    prescribe,
)
from services.session_templates import RESERVE_SLOTS, slots_for
from services.training_splits import block_of, focus_variant, phase_for, week_in_block

MIN_EXERCISES = 3
MAIN_LIFT_NOTE = "Main lift."
REST_FLOOR_SECONDS = 60
"""Rest is trimmed towards this (never below it, nor below what the rules gave) in short sessions."""


class DraftError(ValueError):
    """The catalogue cannot give this session a minimal workout (or it cannot fit the minutes)."""


@dataclass(frozen=True, slots=True)
class ProgramParams:
    program_id: int
    goal: Goal
    level: Level
    days_per_week: int
    weeks: int
    minutes_per_session: int
    equipment: frozenset[Equipment]


@dataclass(frozen=True, slots=True)
class DraftExercise:
    movement_name: str
    pattern: Pattern
    sets: int
    reps_min: int
    reps_max: int
    target_rpe: Decimal | None
    target_percent_1rm: int | None
    rest_seconds: int
    notes: str | None
    unilateral: bool = False  # reps are per side; counts twice in the time estimate

    @property
    def is_main_lift(self) -> bool:
        return self.notes is not None and self.notes.startswith(MAIN_LIFT_NOTE)


@dataclass(frozen=True, slots=True)
class SessionDraft:
    focus: Focus
    phase: Phase
    exercises: tuple[DraftExercise, ...]
    estimated_minutes: float


def draft_session(
    params: ProgramParams,
    week_index: int,
    day_index: int,
    focus: Focus,
    phase: Phase,
    catalogue: Sequence[MovementSpec],
) -> SessionDraft:
    """Draft the session of 1-based ``week_index`` and ``day_index``; raise DraftError if impossible."""
    if phase is not Phase.DELOAD:
        exercises = _draft_loading(params, week_index, day_index, focus, phase, catalogue)
    else:  # the week before, as fitted to the minutes, made lighter: fits and has less volume
        base_week = max(1, week_index - 1)
        base_phase = _loading_phase(params, base_week)
        base = _draft_loading(params, base_week, day_index, focus, base_phase, catalogue)
        exercises = tuple(_deloaded(ex) for ex in base)
    return SessionDraft(focus, phase, exercises, estimate_minutes(exercises))


def _loading_phase(params: ProgramParams, week_index: int) -> Phase:
    """The phase a deload is based on; accumulation when the calendar gives no loading week."""
    try:
        phase = phase_for(week_index, params.weeks)
    except ValueError:
        return Phase.ACCUMULATION
    return Phase.ACCUMULATION if phase is Phase.DELOAD else phase


def _draft_loading(
    params: ProgramParams,
    week_index: int,
    day_index: int,
    focus: Focus,
    phase: Phase,
    catalogue: Sequence[MovementSpec],
) -> tuple[DraftExercise, ...]:
    """The exercises of a loading week, fitted to the session's minutes."""
    by_pattern = candidates_by_pattern(catalogue, params.equipment, params.level)
    block = block_of(week_index)
    main_step = block - 1
    accessory_step = block - 1 + (week_in_block(week_index) - 1) % 2
    slots = slots_for(focus, focus_variant(params.days_per_week, day_index, focus))
    used: set[str] = set()
    picks: list[tuple[SlotRole, MovementSpec]] = []
    reserve = RESERVE_SLOTS[focus]
    for number, slot in enumerate((*slots, *reserve)):
        if number >= len(slots) and len(picks) >= MIN_EXERCISES:
            break  # reserve slots only top a thin session up to the minimum
        step = (main_step if slot.role is SlotRole.MAIN else accessory_step) + day_index - 1
        spec = choose(slot, by_pattern, used, (params.program_id, slot.role.value), step)
        if spec is not None:
            picks.append((slot.role, spec))
            used.add(spec.name)
    if len(picks) < MIN_EXERCISES:
        wanted = sorted({p.value for slot in (*slots, *reserve) for p in slot.patterns})
        missing = [p for p in wanted if Pattern(p) not in by_pattern]
        raise DraftError(
            f"only {len(picks)} movement(s) fit a {focus.value} session for level {params.level.value} "
            f"with equipment {sorted(e.value for e in params.equipment) or ['bodyweight']}; "
            f"need {MIN_EXERCISES}; patterns with no fitting movement: {', '.join(missing) or 'none'}"
        )
    progression_week = week_in_block(week_index)
    exercises = [_exercise(params.goal, role, phase, spec, progression_week) for role, spec in picks]
    return tuple(_fit(exercises, params.minutes_per_session))


def _exercise(goal: Goal, role: SlotRole, phase: Phase, spec: MovementSpec, week: int) -> DraftExercise:
    p = prescribe(goal, role, phase, loaded=bool(spec.equipment & LOADED_EQUIPMENT), week_in_block=week)
    notes = [MAIN_LIFT_NOTE] if role is SlotRole.MAIN else []
    if spec.is_unilateral:
        notes.append("Reps per side.")
    if spec.pattern is Pattern.CARRY:
        notes.append("Carry: about 3 s of walking per prescribed rep.")
    elif _is_hold(spec.name):
        notes.append("Hold: about 3 s per prescribed rep.")
    return DraftExercise(
        movement_name=spec.name,
        pattern=spec.pattern,
        sets=p.sets,
        reps_min=p.reps_min,
        reps_max=p.reps_max,
        target_rpe=p.target_rpe,
        target_percent_1rm=p.target_percent_1rm,
        rest_seconds=p.rest_seconds,
        notes=" ".join(notes) or None,
        unilateral=spec.is_unilateral,
    )


def _is_hold(name: str) -> bool:
    """Isometric movements (planks, holds, wall sits, hangs) are done for time, not reps."""
    words = name.lower().split()
    return words[-1] in {"plank", "hold", "sit", "hang", "l-sit"} or "isometric" in words


def _deloaded(ex: DraftExercise) -> DraftExercise:
    p = deload(
        Prescription(ex.sets, ex.reps_min, ex.reps_max, ex.target_rpe, ex.target_percent_1rm, ex.rest_seconds)
    )
    note = "Deload: lighter, crisp reps."
    return replace(
        ex,
        sets=p.sets,
        reps_min=p.reps_min,
        reps_max=p.reps_max,
        target_rpe=p.target_rpe,
        target_percent_1rm=p.target_percent_1rm,
        rest_seconds=p.rest_seconds,
        notes=f"{ex.notes} {note}" if ex.notes else note,
    )


def _fit(exercises: list[DraftExercise], minutes: int) -> list[DraftExercise]:
    """Fit the time budget: drop lowest-priority exercises down to MIN_EXERCISES, then trim.

    Trimming keeps the session balanced: first sets down to 2 (the exercise with most sets first,
    ties from the end), then rest towards REST_FLOOR_SECONDS, then sets down to 1.
    """
    ex = list(exercises)

    def over() -> bool:
        return sum(exercise_seconds(e) for e in ex) > minutes * 60

    while over() and len(ex) > MIN_EXERCISES:
        ex.pop()
    for floor in (2, None, 1):
        while over():
            if floor is None:
                i = _argmax_last([e.rest_seconds if e.rest_seconds > REST_FLOOR_SECONDS else 0 for e in ex])
                if i is None:
                    break
                ex[i] = replace(ex[i], rest_seconds=max(REST_FLOOR_SECONDS, ex[i].rest_seconds - 15))
            else:
                i = _argmax_last([e.sets if e.sets > floor else 0 for e in ex])
                if i is None:
                    break
                ex[i] = replace(ex[i], sets=ex[i].sets - 1)
    if over():
        raise DraftError(f"{len(ex)} exercises cannot fit into {minutes} minutes even at 1 set each")
    return ex


def _argmax_last(values: list[int]) -> int | None:
    """Index of the largest positive value, the last one on ties; None when all are 0."""
    best = max(values, default=0)
    if best <= 0:
        return None
    return len(values) - 1 - values[::-1].index(best)
