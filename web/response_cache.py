"""Finished program-view responses, kept as the bytes sent, keyed so that a stale one is never found.

Only HTTP queries whose every root field is ``program(id: ...)`` are cached (``program_ids``
decides, from the document). The key holds the document, operation name, variables and
extensions, the viewer (id and role) and the version of what the answer was computed from
(``services.programs.view_versions``): each program's status log head and row stamp, and the movement
library's version. The version is read before executing, so a change that commits during the
execution makes the stored answer's key one that is never read again: a later request reads the
newer version and misses. Answers with errors are never stored. Bounded by entries and by total
bytes; least recently used go first.
"""

import json
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    ValueNode,
    VariableNode,
    parse,
)

from services.errors import InvalidInput
from services.ids import parse_id

PROGRAM_FIELD = "program"
DOCUMENTS = 256

# A program id in a document: the id itself (a literal) or the name of the variable holding it.
IdSource = int | str
Plan = tuple[tuple[IdSource, ValueNode | None], ...]


def _literal_id(value: ValueNode) -> int | None:
    if isinstance(value, StringValueNode | IntValueNode):
        return _id(value.value)
    return None


def _id(value: object) -> int | None:
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    try:
        return parse_id(value, "id")
    except InvalidInput:
        return None


def _plan(query: str, operation_name: str | None, max_tokens: int) -> Plan | None:
    """Where the program ids of a cacheable operation come from; None when it is not cacheable."""
    try:
        document = parse(query, no_location=True, max_tokens=max_tokens)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None
    operation = operations[0]
    defaults = {v.variable.name.value: v.default_value for v in operation.variable_definitions or ()}
    plan: list[tuple[IdSource, ValueNode | None]] = []
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.name.value != PROGRAM_FIELD:
            return None  # another root field, or a fragment that could hide one
        arguments = {a.name.value: a.value for a in selection.arguments or ()}
        value = arguments.get("id")
        if isinstance(value, VariableNode):
            name = value.name.value
            plan.append((name, defaults.get(name)))
        elif value is not None and (literal := _literal_id(value)) is not None:
            plan.append((literal, None))
        else:
            return None
    return tuple(plan) if plan else None


@dataclass(frozen=True, slots=True)
class Key:
    """An entry's key: the request (document, operation, variables and extensions, viewer) and the
    version of what its answer was computed from."""

    request: tuple[Hashable, ...]
    version: Hashable

    @property
    def size(self) -> int:
        """What the key's text costs, counted against the byte budget (a document can be long)."""
        return sum(len(part) for part in self.request if isinstance(part, str))


class ResponseCache:
    """Response bytes by key, at most ``max_entries`` of them and ``max_bytes`` in all."""

    def __init__(self, *, max_bytes: int, max_entries: int, max_tokens: int = 10_000) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._max_tokens = max_tokens
        self._entries: OrderedDict[Key, tuple[bytes, int]] = OrderedDict()  # key -> (body, size)
        self._latest: dict[tuple[Hashable, ...], Key] = {}  # request -> its newest entry's key
        self._plans: OrderedDict[tuple[str, str | None], Plan | None] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0 and self.max_entries > 0

    def program_ids(
        self, query: str | None, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> list[int] | None:
        """The ids of the programs a cacheable operation reads; None when it is not cacheable."""
        if query is None:
            return None
        key = (query, operation_name)
        if key in self._plans:
            self._plans.move_to_end(key)
            plan = self._plans[key]
        else:
            plan = self._plans[key] = _plan(query, operation_name, self._max_tokens)
            while len(self._plans) > DOCUMENTS:
                self._plans.popitem(last=False)
        if plan is None:
            return None
        ids = []
        for source, default in plan:
            if isinstance(source, int):
                ids.append(source)
                continue
            if variables is not None and source in variables:
                found = _id(variables[source])
            else:
                found = _literal_id(default) if default is not None else None
            if found is None:
                return None
            ids.append(found)
        return ids

    @staticmethod
    def key(
        query: str,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        extensions: Mapping[str, Any] | None,
        viewer: Hashable,
        version: Hashable,
    ) -> Key | None:
        """The entry's key; None when the request's JSON cannot be put in one (then no caching)."""
        try:
            request = json.dumps([variables or {}, extensions or {}], sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):
            return None
        return Key((query, operation_name, request, viewer), version)

    def get(self, key: Key) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[0]

    def put(self, key: Key, body: bytes) -> None:
        """Store ``body``; the same request's answer for an older version goes (no one can ask
        for it again: versions only move forward)."""
        size = len(body) + key.size
        if not self.enabled or size > self.max_bytes:
            return
        previous = self._latest.get(key.request)
        if previous is not None:
            self._drop(previous)
        self._entries[key] = (body, size)
        self._latest[key.request] = key
        self.bytes += size
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: Key) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.bytes -= entry[1]
        if self._latest.get(key.request) == key:
            del self._latest[key.request]

    def __len__(self) -> int:
        return len(self._entries)
