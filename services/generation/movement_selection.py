"""Which movement fills a slot: the fitting candidates, the preferred ones, a seeded choice.

Candidates are the catalogue's movements that fit the program's equipment and level
(``MovementSpec.fits``), sorted by slug so the catalogue's order does not matter. Of those, the
preferred tier is kept (main slots: compound, bilateral, heavily loadable; other slots: loadable
beats bands beats bare bodyweight), shuffled with a stable seed and walked ``step`` places in, so
the caller decides how often a slot changes by how it advances ``step``.
"""

import hashlib
import random
from collections.abc import Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType

from models.enums import Equipment, Level, Pattern
from services.generation.prescription_kinds import is_explosive
from services.generation.programming_rules import SlotRole
from services.generation.session_templates import Slot
from services.library.movement_catalogue import MovementSpec

LOADED_EQUIPMENT = frozenset(
    {Equipment.BARBELL, Equipment.DUMBBELL, Equipment.KETTLEBELL, Equipment.CABLE, Equipment.MACHINE}
)
"""Equipment that makes a lift externally loaded, so a %1RM target means something."""
MAIN_LOAD_EQUIPMENT = LOADED_EQUIPMENT | {Equipment.PULL_UP_BAR}
"""Loadable enough for a main lift (a pull-up bar: weighted pull-ups)."""

CandidateIndex = Mapping[Pattern, tuple[MovementSpec, ...]]
_index_memo: dict[tuple[int, frozenset[Equipment], Level], tuple[Sequence[MovementSpec], CandidateIndex]] = {}


def candidates_by_pattern(
    catalogue: Sequence[MovementSpec], equipment: frozenset[Equipment], level: Level
) -> CandidateIndex:
    """Fitting movements by pattern, sorted by slug.

    Memoised per tuple catalogue (a program drafts many sessions from one catalogue; a tuple cannot
    change under the memo); the memo holds the catalogue, so its id cannot be reused meanwhile.
    """
    key = (id(catalogue), equipment, level)
    hit = _index_memo.get(key)
    if hit is not None and hit[0] is catalogue:
        return hit[1]
    by_pattern: dict[Pattern, list[MovementSpec]] = {}
    for spec in sorted(catalogue, key=lambda s: s.slug):
        if spec.fits(equipment, level):
            by_pattern.setdefault(spec.pattern, []).append(spec)
    index = MappingProxyType({pattern: tuple(specs) for pattern, specs in by_pattern.items()})
    if isinstance(catalogue, tuple):
        if len(_index_memo) >= 64:
            _index_memo.clear()
        _index_memo[key] = (catalogue, index)
    return index


def _load_preference(spec: MovementSpec) -> int:
    """Prefer what the athlete's equipment can load: a full gym should not draft band-assisted
    pull-ups or wall push-ups; bands beat bare bodyweight for someone who owns only bands."""
    if Equipment.BARBELL in spec.equipment:
        return 3
    if spec.equipment & MAIN_LOAD_EQUIPMENT:
        return 2
    return 1 if Equipment.BANDS in spec.equipment else 0


@lru_cache(maxsize=4096)  # a pure function of the spec, asked for every candidate of every slot
def _main_preference(spec: MovementSpec) -> tuple[bool, bool, bool, int, int]:
    """Main slots want compound, bilateral lifts that take the most load (barbell first).

    Those progress most simply; a pull-up bar counts as loadable (weighted pull-ups), bands and
    bodyweight only when nothing else fits. Without external load, difficulty is the load: the
    hardest progression the athlete's level allows wins (a pistol or an archer push-up over a
    knee push-up), single-leg or single-arm ones included; a jump is not a main lift.
    """
    unloaded = _load_preference(spec) <= 1
    loading = (unloaded or not spec.is_unilateral, _load_preference(spec), _hardness(spec))
    return (spec.is_compound, not is_explosive(spec.name), *loading)


@lru_cache(maxsize=4096)
def accessory_preference(spec: MovementSpec) -> tuple[int, int]:
    """Any loadable option is as good as another for accessory work (barbell gets no bonus);
    among unloaded ones the hardest the level allows."""
    return (min(_load_preference(spec), 2), _hardness(spec))


def _hardness(spec: MovementSpec) -> int:
    """The movement's level when it has no external load (0 for loaded ones: load progresses)."""
    return spec.level.rank if _load_preference(spec) <= 1 else 0


def choose(
    slot: Slot,
    by_pattern: CandidateIndex,
    used: set[str],
    seed_parts: tuple[int | str, ...],
    step: int,
) -> MovementSpec | None:
    """The movement for a slot: walk a seeded order of its best candidates, skipping used ones."""
    for pattern in slot.patterns:  # fallback patterns, in order
        candidates = by_pattern.get(pattern, ())
        free = [s for s in candidates if s.name not in used]
        if not free:
            continue
        prefer = _main_preference if slot.role is SlotRole.MAIN else accessory_preference
        best = max(prefer(s) for s in free)
        order = [s for s in candidates if prefer(s) == best]
        random.Random(stable_seed(*seed_parts, pattern.value)).shuffle(order)
        for offset in range(len(order)):
            spec = order[(step + offset) % len(order)]
            if spec.name not in used:
                return spec
    return None


def stable_seed(*parts: int | str) -> int:
    """A seed that is the same in every process (unlike ``hash()`` of a str)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")
