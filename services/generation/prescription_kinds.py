"""What a movement's sets ask for: reps, a hold of some seconds, or a distance.

Derived from the movement's pattern and name, so it holds for the curated catalogue and for any
movement imported into (or added to) the library alike: carries, crawls and walks cover a
distance; planks, holds, wall sits, hangs and isometrics are held for time; everything else is
counted in reps. Jumps and other explosive reps are done fast and crisp, never to failure.
"""

from models.enums import Pattern, PrescriptionKind

_HOLD_LAST_WORDS = frozenset({"plank", "hold", "sit", "hang", "l-sit"})
_DISTANCE_LAST_WORDS = frozenset({"carry", "crawl", "walk", "drag", "march"})
_REP_WALKS = frozenset({"wall walk", "hamstring walkout"})
"""Named like a walk, done for reps (a wall walk is one climb up and down)."""


def prescription_kind(pattern: Pattern, name: str) -> PrescriptionKind:
    words = name.lower().replace("'", "").split()
    if not words or " ".join(words) in _REP_WALKS:
        return PrescriptionKind.REPS
    if pattern is Pattern.CARRY or words[-1] in _DISTANCE_LAST_WORDS or "sled" in words:
        return PrescriptionKind.DISTANCE
    if words[-1] in _HOLD_LAST_WORDS or "isometric" in words:
        return PrescriptionKind.SECONDS
    return PrescriptionKind.REPS


_EXPLOSIVE_WORDS = frozenset({"jump", "jumping", "plyo", "plyometric", "clap", "burpee", "bound", "hop"})


def is_explosive(name: str) -> bool:
    """A jump or plyometric: fast reps well short of failure, not a main strength lift."""
    return not _EXPLOSIVE_WORDS.isdisjoint(name.lower().replace("-", " ").split())
