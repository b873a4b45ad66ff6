"""Which slots a session of each focus has, in priority order (the first slot matters most).

A slot names movement patterns (the later ones are fallbacks, used only when no movement of the
earlier ones fits the program's equipment and level) and a role, which decides the loading. Main
lifts come first; when a session is too long for its minutes the slots at the end go first.
Templates run to 9-10 slots so long sessions (up to 240 minutes) get more work; common 45-90
minute sessions keep the first 4-7.

A focus may have several variants so two days with the same focus in one week (upper/lower twice,
push/pull/legs twice, three full-body days) train different main lifts.
"""

from dataclasses import dataclass

from models.enums import Focus, Pattern
from services.generation.programming_rules import SlotRole


@dataclass(frozen=True, slots=True)
class Slot:
    patterns: tuple[Pattern, ...]
    role: SlotRole


def _main(*patterns: Pattern) -> Slot:
    return Slot(patterns, SlotRole.MAIN)


def _acc(*patterns: Pattern) -> Slot:
    return Slot(patterns, SlotRole.ACCESSORY)


def _iso(*patterns: Pattern) -> Slot:
    return Slot(patterns, SlotRole.ISOLATION)


P = Pattern
_LOWER = (
    # A: squat and hinge both heavy, then single-leg and isolation work.
    (
        _main(P.SQUAT),
        _main(P.HINGE),
        _acc(P.LUNGE, P.SQUAT),
        _iso(P.HAMSTRINGS, P.HINGE),
        _iso(P.QUADS),
        _iso(P.CALVES),
        _iso(P.CORE),
        _iso(P.GLUTES),
        _acc(P.CARRY),
        _iso(P.CORE),
    ),
    # B: hinge heavy, squat as a lighter accessory, more posterior-chain isolation.
    (
        _main(P.HINGE),
        _acc(P.SQUAT),
        _acc(P.LUNGE),
        _iso(P.GLUTES, P.HAMSTRINGS),
        _iso(P.QUADS),
        _iso(P.HAMSTRINGS),
        _iso(P.CALVES),
        _iso(P.CORE),
        _acc(P.CARRY),
        _iso(P.GLUTES),
    ),
)

TEMPLATES: dict[Focus, tuple[tuple[Slot, ...], ...]] = {
    Focus.FULL_BODY: (
        (
            _main(P.SQUAT),
            _main(P.HORIZONTAL_PUSH),
            _acc(P.HORIZONTAL_PULL, P.VERTICAL_PULL),
            _acc(P.HINGE, P.HAMSTRINGS),
            _acc(P.VERTICAL_PUSH),
            _iso(P.CORE),
            _iso(P.BICEPS),
            _iso(P.CALVES),
            _acc(P.LUNGE),
            _iso(P.TRICEPS),
        ),
        (
            _main(P.HINGE),
            _main(P.VERTICAL_PUSH, P.HORIZONTAL_PUSH),
            _acc(P.VERTICAL_PULL, P.HORIZONTAL_PULL),
            _acc(P.LUNGE, P.SQUAT),
            _acc(P.HORIZONTAL_PUSH),
            _iso(P.CORE),
            _iso(P.TRICEPS),
            _acc(P.CARRY),
            _iso(P.BICEPS),
            _iso(P.CALVES),
        ),
        (
            _main(P.SQUAT, P.LUNGE),
            _main(P.HORIZONTAL_PULL, P.VERTICAL_PULL),
            _acc(P.HORIZONTAL_PUSH),
            _acc(P.HINGE, P.GLUTES),
            _acc(P.VERTICAL_PULL),
            _iso(P.SHOULDERS),
            _iso(P.CORE),
            _iso(P.HAMSTRINGS),
            _iso(P.TRICEPS),
            _acc(P.CARRY),
        ),
    ),
    Focus.UPPER: (
        (
            _main(P.HORIZONTAL_PUSH),
            _main(P.HORIZONTAL_PULL),
            _acc(P.VERTICAL_PUSH),
            _acc(P.VERTICAL_PULL),
            _iso(P.SHOULDERS),
            _iso(P.BICEPS),
            _iso(P.TRICEPS),
            _iso(P.CHEST),
            _acc(P.HORIZONTAL_PULL),
            _iso(P.CORE),
        ),
        (
            _main(P.VERTICAL_PUSH, P.HORIZONTAL_PUSH),
            _main(P.VERTICAL_PULL, P.HORIZONTAL_PULL),
            _acc(P.HORIZONTAL_PUSH),
            _acc(P.HORIZONTAL_PULL),
            _iso(P.CHEST),
            _iso(P.TRICEPS),
            _iso(P.BICEPS),
            _iso(P.SHOULDERS),
            _acc(P.VERTICAL_PULL),
            _iso(P.CORE),
        ),
    ),
    Focus.LOWER: _LOWER,
    Focus.LEGS: _LOWER,
    Focus.PUSH: (
        (
            _main(P.HORIZONTAL_PUSH),
            _acc(P.VERTICAL_PUSH),
            _acc(P.HORIZONTAL_PUSH),
            _iso(P.CHEST),
            _iso(P.SHOULDERS),
            _iso(P.TRICEPS),
            _iso(P.CORE),
            _iso(P.TRICEPS),
            _iso(P.SHOULDERS),
        ),
        (
            _main(P.VERTICAL_PUSH, P.HORIZONTAL_PUSH),
            _acc(P.HORIZONTAL_PUSH),
            _iso(P.SHOULDERS),
            _iso(P.CHEST),
            _iso(P.TRICEPS),
            _acc(P.HORIZONTAL_PUSH, P.VERTICAL_PUSH),
            _iso(P.CORE),
            _iso(P.CHEST),
            _iso(P.TRICEPS),
        ),
    ),
    Focus.PULL: (
        (
            _main(P.HORIZONTAL_PULL, P.VERTICAL_PULL),
            _acc(P.VERTICAL_PULL),
            _acc(P.HORIZONTAL_PULL),
            _iso(P.BICEPS),
            _iso(P.SHOULDERS),
            _acc(P.CARRY),
            _iso(P.CORE),
            _iso(P.BICEPS),
            _iso(P.SHOULDERS),
        ),
        (
            _main(P.VERTICAL_PULL, P.HORIZONTAL_PULL),
            _acc(P.HORIZONTAL_PULL),
            _acc(P.VERTICAL_PULL, P.HORIZONTAL_PULL),
            _iso(P.SHOULDERS),
            _iso(P.BICEPS),
            _iso(P.CORE),
            _acc(P.CARRY),
            _iso(P.BICEPS),
            _iso(P.HAMSTRINGS, P.GLUTES),
        ),
    ),
}

_COMPOUND = {
    P.SQUAT,
    P.HINGE,
    P.LUNGE,
    P.HORIZONTAL_PUSH,
    P.HORIZONTAL_PULL,
    P.VERTICAL_PUSH,
    P.VERTICAL_PULL,
    P.CARRY,
}


def _reserve(*patterns: Pattern) -> tuple[Slot, ...]:
    return tuple(_acc(p) if p in _COMPOUND else _iso(p) for p in patterns)


# Used only when the template's slots find fewer than 3 movements (a thin equipment list): any
# related work beats a 2-exercise session.
RESERVE_SLOTS: dict[Focus, tuple[Slot, ...]] = {
    Focus.FULL_BODY: _reserve(
        P.SQUAT,
        P.HINGE,
        P.LUNGE,
        P.HORIZONTAL_PUSH,
        P.HORIZONTAL_PULL,
        P.VERTICAL_PUSH,
        P.VERTICAL_PULL,
        P.GLUTES,
        P.CORE,
        P.CARRY,
    ),
    Focus.UPPER: _reserve(
        P.HORIZONTAL_PUSH,
        P.HORIZONTAL_PULL,
        P.VERTICAL_PUSH,
        P.VERTICAL_PULL,
        P.CHEST,
        P.SHOULDERS,
        P.TRICEPS,
        P.BICEPS,
        P.CORE,
        P.CARRY,
    ),
    Focus.LOWER: _reserve(
        P.SQUAT,
        P.LUNGE,
        P.HINGE,
        P.GLUTES,
        P.QUADS,
        P.HAMSTRINGS,
        P.CALVES,
        P.CORE,
        P.CARRY,
    ),
    Focus.PUSH: _reserve(P.HORIZONTAL_PUSH, P.VERTICAL_PUSH, P.CHEST, P.SHOULDERS, P.TRICEPS, P.CORE),
    Focus.PULL: _reserve(
        P.HORIZONTAL_PULL,
        P.VERTICAL_PULL,
        P.BICEPS,
        P.SHOULDERS,
        P.CARRY,
        P.HINGE,
        P.CORE,
    ),
}
RESERVE_SLOTS[Focus.LEGS] = RESERVE_SLOTS[Focus.LOWER]


def slots_for(focus: Focus, variant: int) -> tuple[Slot, ...]:
    """The slots of a session; variants cycle when a focus repeats more often than it has them."""
    variants = TEMPLATES[focus]
    return variants[variant % len(variants)]
