"""Draft the exercises of one day: pick movements for the slots of its focus, prescribe them, fit them.

Pure and deterministic: the same program, week, day and catalogue give the same draft in every
process (seeds come from hashlib, never from ``hash()``), so a regeneration reproduces the plan.
``services.generation.week_planner`` drafts every day of a week this way and balances the week's volume;
``draft_session`` there is what the generator calls.

Variety without randomness at run time: the candidates of a pattern are shuffled once per
program and role with a stable seed, and every slot walks that order (see ``movement_selection``),
starting at its day's offset so the days of a week pick different movements where they can.
- Main lifts then step ``block - 1``: fixed for a 4-week block, a new variation the next block.
- Accessories step with every second loading week (``loading_week_ordinal // 2``): A, A, B,
  (deload B), B, C, C, (deload C), ...: an accessory holds for 2-3 weeks and then changes
  (Kassiano et al. 2022: rotating exercises every few weeks, not every session or week), and
  the same week of the next block differs (week 5 is never week 1 copied).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from models.enums import Equipment, Focus, Goal, Level, Pattern, Phase, PrescriptionKind
from services.generation.movement_selection import LOADED_EQUIPMENT, candidates_by_pattern, choose
from services.generation.prescription_kinds import is_explosive, prescription_kind
from services.generation.programming_rules import (
    DELOAD_VOLUME_FACTOR,
    UNLOADED_STRENGTH_NOTE,
    Prescription,
    SlotRole,
    carry_meters,
    deload,
    exercise_seconds,
    hold_seconds,
    prescribe,
)
from services.generation.session_templates import RESERVE_SLOTS, slots_for
from services.generation.training_splits import block_of, focus_variant, loading_week_ordinal, week_in_block
from services.library.movement_catalogue import MovementSpec

MIN_EXERCISES = 3
MAIN_LIFT_NOTE = "Main lift."
ACCESSORY_HOLD_WEEKS = 2
"""Loading weeks an accessory holds before the next one (a deload in between keeps it too)."""
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
    compound: bool = False
    primary_muscles: tuple[str, ...] = ()  # as the catalogue lists them, first = most trained
    kind: PrescriptionKind = PrescriptionKind.REPS
    duration_seconds: int | None = None  # a hold's seconds per set (kind SECONDS; reps are 1)
    distance_meters: int | None = None  # a carry's or crawl's meters per set (kind DISTANCE; reps are 1)

    @property
    def is_main_lift(self) -> bool:
        return self.notes is not None and self.notes.startswith(MAIN_LIFT_NOTE)


@dataclass(frozen=True, slots=True)
class SessionDraft:
    focus: Focus
    phase: Phase
    exercises: tuple[DraftExercise, ...]
    estimated_minutes: float


def draft_day(
    params: ProgramParams,
    week_index: int,
    day_index: int,
    focus: Focus,
    phase: Phase,
    catalogue: Sequence[MovementSpec],
    progression_week: int | None = None,
) -> list[DraftExercise]:
    """The exercises of a loading week's day, every slot of the template, in priority order (not
    yet fitted to the minutes); raise DraftError when fewer than MIN_EXERCISES movements fit.

    ``progression_week`` overrides the week in block the prescriptions progress from."""
    by_pattern = candidates_by_pattern(catalogue, params.equipment, params.level)
    main_step = block_of(week_index) - 1
    accessory_step = loading_week_ordinal(week_index) // ACCESSORY_HOLD_WEEKS
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
    progression_week = progression_week or week_in_block(week_index)
    return [_exercise(params.goal, role, phase, spec, progression_week) for role, spec in picks]


def exercise_for(
    params: ProgramParams, week_index: int, phase: Phase, role: SlotRole, spec: MovementSpec
) -> DraftExercise:
    """``spec`` prescribed for ``role`` in a loading week, as ``draft_day`` prescribes its picks."""
    return _exercise(params.goal, role, phase, spec, week_in_block(week_index))


def _exercise(goal: Goal, role: SlotRole, phase: Phase, spec: MovementSpec, week: int) -> DraftExercise:
    loaded = bool(spec.equipment & LOADED_EQUIPMENT)
    p = prescribe(goal, role, phase, loaded=loaded, week_in_block=week)
    kind = prescription_kind(spec.pattern, spec.name)
    notes = [MAIN_LIFT_NOTE] if role is SlotRole.MAIN else []
    if spec.is_unilateral:
        notes.append("Per side.")
    if is_explosive(spec.name):
        notes.append("Explosive: every rep fast, stop well short of failure.")
    elif goal is Goal.STRENGTH and not loaded and kind is PrescriptionKind.REPS:
        notes.append(UNLOADED_STRENGTH_NOTE)
    reps_min, reps_max, duration, distance = p.reps_min, p.reps_max, None, None
    if kind is PrescriptionKind.SECONDS:  # one hold per set
        reps_min = reps_max = 1
        duration = hold_seconds(goal, week)
    elif kind is PrescriptionKind.DISTANCE:  # one trip per set
        reps_min = reps_max = 1
        distance = carry_meters(goal, week)
    return DraftExercise(
        movement_name=spec.name,
        pattern=spec.pattern,
        sets=p.sets,
        reps_min=reps_min,
        reps_max=reps_max,
        target_rpe=p.target_rpe,
        target_percent_1rm=p.target_percent_1rm,
        rest_seconds=p.rest_seconds,
        notes=" ".join(notes) or None,
        unilateral=spec.is_unilateral,
        compound=spec.is_compound,
        primary_muscles=spec.primary_muscles,
        kind=kind,
        duration_seconds=duration,
        distance_meters=distance,
    )


def deloaded(ex: DraftExercise) -> DraftExercise:
    p = deload(
        Prescription(ex.sets, ex.reps_min, ex.reps_max, ex.target_rpe, ex.target_percent_1rm, ex.rest_seconds)
    )
    note = "Deload: lighter, crisp reps."
    single = ex.sets == 1 and ex.kind is not PrescriptionKind.REPS  # a single hold or trip gets shorter
    return replace(
        ex,
        duration_seconds=_shorter(ex.duration_seconds) if single else ex.duration_seconds,
        distance_meters=_shorter(ex.distance_meters) if single else ex.distance_meters,
        sets=p.sets,
        reps_min=p.reps_min,
        reps_max=p.reps_max,
        target_rpe=p.target_rpe,
        target_percent_1rm=p.target_percent_1rm,
        rest_seconds=p.rest_seconds,
        notes=f"{ex.notes} {note}" if ex.notes else note,
    )


def _shorter(amount: int | None) -> int | None:
    return None if amount is None else max(1, round(amount * DELOAD_VOLUME_FACTOR))


def fit(exercises: list[DraftExercise], minutes: int, keep: int = MIN_EXERCISES) -> list[DraftExercise]:
    """Fit the time budget: drop lowest-priority exercises down to ``keep``, then trim.

    Trimming keeps the session balanced: first sets down to 2 (the exercise with most sets first,
    ties from the end), then rest towards REST_FLOOR_SECONDS, then sets down to 1, then (a very
    short session of high-rep or single-side work) the top of the rep ranges down to their bottom.
    """
    ex = list(exercises)

    def over() -> bool:
        return sum(exercise_seconds(e) for e in ex) > minutes * 60

    while over() and len(ex) > keep:
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
    while over():
        i = _argmax_last([e.reps_max if e.reps_max > e.reps_min else 0 for e in ex])
        if i is None:
            break
        ex[i] = replace(ex[i], reps_max=ex[i].reps_max - 1)
    if over():
        raise DraftError(f"{len(ex)} exercises cannot fit into {minutes} minutes even at 1 set each")
    return ex


def _argmax_last(values: list[int]) -> int | None:
    """Index of the largest positive value, the last one on ties; None when all are 0."""
    best = max(values, default=0)
    if best <= 0:
        return None
    return len(values) - 1 - values[::-1].index(best)
