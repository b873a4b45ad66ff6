"""The free-exercise-db JSON layout, and how one of its entries maps to a movement.

The layout (github.com/yuhonas/free-exercise-db, ``dist/exercises.json``) is one JSON array of
objects with ``id, name, force, level, mechanic, equipment, primaryMuscles, secondaryMuscles,
instructions, category, images``. Mapping is pure; ``services.library.movement_import`` reads a
whole file with it and writes the result.

Mapping (a value with no row here is *unknown*: the entry is skipped, the value is counted in the
report, nothing is guessed):

============  =================================================================================
field         mapping
============  =================================================================================
category      strength, powerlifting, olympic weightlifting, strongman -> imported;
              stretching, cardio, plyometrics -> not imported (reported as unknown)
level         beginner -> beginner, intermediate -> intermediate, expert -> advanced
mechanic      compound -> compound; isolation or null -> not compound
force         push, pull, static, null -> used by the muscle rules below
equipment     body only -> bodyweight; dumbbell; barbell; e-z curl bar -> barbell;
              kettlebells -> kettlebell; cable; machine; bands.
              null, other, medicine ball, exercise ball, foam roll -> unknown.
              The name adds what the single value leaves out: "bench/incline/decline/preacher"
              -> bench (unless a machine); "pull-up/chin-up/hanging/muscle-up/toes-to-bar" ->
              pull_up_bar; "dip" in a triceps or chest movement (not "bench dip") -> machine (a
              dip station, as in the catalogue)
pattern       the first NAME_RULES pattern whose regex matches the lower-cased name, else by
              the first primary muscle (MUSCLE_RULES; chest, shoulders and quadriceps give the
              compound pattern only to a compound push); forearms, neck, adductors -> unknown
unilateral    the name says single/one arm/one leg/unilateral, or the pattern is lunge
============  =================================================================================
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from models.enums import Equipment, Level, Pattern
from services.errors import InvalidInput
from services.library.movement_catalogue import MovementSpec, slugify
from services.text_input import storable_text

IMPORTED_CATEGORIES = frozenset({"strength", "powerlifting", "olympic weightlifting", "strongman"})
LEVELS = {"beginner": Level.BEGINNER, "intermediate": Level.INTERMEDIATE, "expert": Level.ADVANCED}
MECHANICS = {"compound": True, "isolation": False, None: False}
FORCES = frozenset({"push", "pull", "static", None})
EQUIPMENT: dict[str, frozenset[Equipment]] = {
    "body only": frozenset(),
    "dumbbell": frozenset({Equipment.DUMBBELL}),
    "barbell": frozenset({Equipment.BARBELL}),
    "e-z curl bar": frozenset({Equipment.BARBELL}),
    "kettlebells": frozenset({Equipment.KETTLEBELL}),
    "cable": frozenset({Equipment.CABLE}),
    "machine": frozenset({Equipment.MACHINE}),
    "bands": frozenset({Equipment.BANDS}),
}
_BENCH = re.compile(r"\bbench\b|\bincline\b|\bdecline\b|\bpreacher\b")
_PULL_UP_BAR = re.compile(
    r"pull-?ups?\b|chin-?ups?\b|\bchins\b|gorilla chin|\bhanging\b|muscle.?ups?\b|toes.to.bar"
)
_DIP_STATION = re.compile(r"(?<!bench )\bdips?\b")
_UNILATERAL = re.compile(r"\bsingle\b|\bone.?(arm|leg)|\bunilateral\b")

NAME_RULES: tuple[tuple[re.Pattern[str], Pattern], ...] = tuple(
    (re.compile(regex), pattern)
    for regex, pattern in (
        (
            r"shrug|upright|face pull|lateral raise|side lateral|laterals\b|front raise|rear.?delt"
            r"|reverse fly|back fly|external rotation|internal rotation",
            Pattern.SHOULDERS,
        ),
        (r"\bcalf\b|\bcalves\b", Pattern.CALVES),
        (r"farmer|\bcarr(y|ies)\b|\byoke\b|suitcase|waiter", Pattern.CARRY),
        (
            r"crunch|sit.?ups?\b|plank|side bridge|rollout|ab roller|russian twist|leg raise"
            r"|hanging (knee|leg|pike)|get.?up|wood ?chop|flutter kick|scissor kick|jackknife",
            Pattern.CORE,
        ),
        (r"sissy squat|leg extension", Pattern.QUADS),
        (r"leg curl|hamstring curl|glute.?ham|nordic", Pattern.HAMSTRINGS),
        (r"lunge|split squat|step.?ups?\b", Pattern.LUNGE),
        (r"squat|leg press", Pattern.SQUAT),
        (r"hip thrust|\bbridges?\b|hip abduct|\bclam", Pattern.GLUTES),
        (
            r"deadlift|good ?mornings?|\bswings?\b|pull.?through|hyperextension|back extension"
            r"|\bcleans?\b|snatch|rack pull|\brdl\b",
            Pattern.HINGE,
        ),
        (r"pull.?ups?\b|chin.?ups?\b|\bchins\b|pull.?downs?\b|muscle.?ups?\b", Pattern.VERTICAL_PULL),
        (r"\bfl(y|ye|yes|ies)\b|cross.?over|pec deck|butterfly|pullover", Pattern.CHEST),
        (r"\brows?\b", Pattern.HORIZONTAL_PULL),
        (
            r"handstand|\bpike\b|overhead press|shoulder press|military press|push press|\bjerk\b|arnold",
            Pattern.VERTICAL_PUSH,
        ),
        (r"bench press|push.?ups?\b|floor press|chest press", Pattern.HORIZONTAL_PUSH),
    )
)
"""Name rules, first match wins, so specific rules come first ("calf press" is no press, "shrug" on
a calf machine no calf raise, "step-up with knee raise" a lunge)."""

# Primary muscle -> (pattern of a compound lift, pattern otherwise). For the muscles in
# _PUSH_GATED the compound pattern also needs force "push" (band hip flexion is no squat).
MUSCLE_RULES: dict[str, tuple[Pattern, Pattern]] = {
    "abdominals": (Pattern.CORE, Pattern.CORE),
    "quadriceps": (Pattern.SQUAT, Pattern.QUADS),  # compound push -> squat
    "hamstrings": (Pattern.HINGE, Pattern.HAMSTRINGS),  # compound -> hinge
    "glutes": (Pattern.GLUTES, Pattern.GLUTES),
    "abductors": (Pattern.GLUTES, Pattern.GLUTES),
    "lower back": (Pattern.HINGE, Pattern.HINGE),
    "calves": (Pattern.CALVES, Pattern.CALVES),
    "chest": (Pattern.HORIZONTAL_PUSH, Pattern.CHEST),  # compound push -> horizontal push
    "shoulders": (Pattern.VERTICAL_PUSH, Pattern.SHOULDERS),  # compound push -> vertical push
    "lats": (Pattern.VERTICAL_PULL, Pattern.VERTICAL_PULL),
    "middle back": (Pattern.HORIZONTAL_PULL, Pattern.HORIZONTAL_PULL),
    "traps": (Pattern.SHOULDERS, Pattern.SHOULDERS),
    "biceps": (Pattern.BICEPS, Pattern.BICEPS),
    "triceps": (Pattern.TRICEPS, Pattern.TRICEPS),
}
_PUSH_GATED = frozenset({"chest", "shoulders", "quadriceps"})


class ImportFormatError(ValueError):
    """The file is not a list of exercise objects, or an entry lacks a field the layout requires."""


def entry_name(raw: Any, where: str) -> str:
    """The entry's name, stripped; ``ImportFormatError`` when it has none we can store."""
    if not isinstance(raw, Mapping):
        raise ImportFormatError(f"{where}: expected an exercise object, got {type(raw).__name__}")
    name = raw.get("name")
    if not isinstance(name, str) or not slugify(name):
        ident = f" (id {raw['id']!r})" if "id" in raw else ""
        raise ImportFormatError(f"{where}{ident}: missing or empty 'name'")
    try:
        return storable_text(name, "name").strip()
    except InvalidInput as exc:
        raise ImportFormatError(f"{where}: {exc.message}") from None


def map_exercise(raw: Mapping[str, Any], where: str) -> tuple[MovementSpec | None, list[tuple[str, str]]]:
    """Map one entry; returns the spec (None when a value is unknown) and the unknown values.

    Values are compared lower-cased and stripped; unknown ones are reported in that form.
    """
    name = entry_name(raw, where)
    category = _required_str(raw, "category", where).strip().lower()
    level_name = _required_str(raw, "level", where).strip().lower()
    raw_muscles = raw.get("primaryMuscles")
    if not isinstance(raw_muscles, list) or not all(isinstance(m, str) for m in raw_muscles):
        raise ImportFormatError(f"{where}: 'primaryMuscles' must be a list of strings")
    muscles = [m.strip().lower() for m in raw_muscles]
    lowered = name.lower()
    equipment_name = _norm(raw.get("equipment"))
    mechanic = _norm(raw.get("mechanic"))
    force = _norm(raw.get("force"))

    unknowns: list[tuple[str, str]] = []
    if category not in IMPORTED_CATEGORIES:
        unknowns.append(("category", category))
    level = LEVELS.get(level_name)
    if level is None:
        unknowns.append(("level", level_name))
    if mechanic not in MECHANICS:
        unknowns.append(("mechanic", str(mechanic)))
    if force not in FORCES:
        unknowns.append(("force", str(force)))
    base_equipment = None if equipment_name is None else EQUIPMENT.get(equipment_name)
    if base_equipment is None:
        unknowns.append(("equipment", "null" if equipment_name is None else equipment_name))
    compound = MECHANICS.get(mechanic, False)
    pattern = _pattern(lowered, muscles, compound, force)
    if pattern is None:
        unknowns.append(("primaryMuscles", ", ".join(muscles) or "none"))
    if unknowns or level is None or base_equipment is None or pattern is None:
        return None, unknowns

    return (
        MovementSpec(
            name=name,
            slug=slugify(name),
            pattern=pattern,
            equipment=_equipment(lowered, base_equipment, pattern),
            level=level,
            is_compound=compound,
            is_unilateral=bool(_UNILATERAL.search(lowered)) or pattern is Pattern.LUNGE,
            primary_muscles=tuple(muscles),
            aliases=(),
        ),
        [],
    )


def _norm(value: Any) -> str | None:
    return None if value is None else str(value).strip().lower()


def _required_str(raw: Mapping[str, Any], field: str, where: str) -> str:
    value = raw.get(field)
    if not isinstance(value, str):
        raise ImportFormatError(f"{where}: missing or non-string {field!r}")
    return value


def _pattern(name: str, muscles: Sequence[str], compound: bool, force: str | None) -> Pattern | None:
    for regex, pattern in NAME_RULES:
        if regex.search(name):
            return pattern
    if not muscles or muscles[0] not in MUSCLE_RULES:
        return None
    main, other = MUSCLE_RULES[muscles[0]]
    if muscles[0] in _PUSH_GATED:
        return main if compound and force == "push" else other
    return main if compound else other


def _equipment(name: str, base: frozenset[Equipment], pattern: Pattern) -> frozenset[Equipment]:
    extra: set[Equipment] = set()
    if _BENCH.search(name) and Equipment.MACHINE not in base:
        extra.add(Equipment.BENCH)
    if _PULL_UP_BAR.search(name):
        extra.add(Equipment.PULL_UP_BAR)
    if pattern in (Pattern.TRICEPS, Pattern.CHEST) and _DIP_STATION.search(name):
        extra.add(Equipment.MACHINE)
    return (base | extra) or frozenset({Equipment.BODYWEIGHT})
