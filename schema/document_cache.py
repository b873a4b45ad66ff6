"""Documents already parsed and validated, by their text, so a repeated operation skips both.

A thousand screens subscribing with the same document made parsing and validating it 40% of
the API's time. Strawberry's ``ValidationCache`` hashes the whole syntax tree per lookup, and
its parser cache is a second lookup beside it. Here the rules are fixed for the schema the
cache belongs to, so the text (and the parse options) is the key. Only documents that passed
validation are kept: an invalid one is parsed and checked again every time, and its errors are
never shared.
"""

from collections import OrderedDict
from collections.abc import Iterator

from graphql import DocumentNode
from strawberry.extensions.base_extension import SchemaExtension

DEFAULT_SIZE = 256


class DocumentCache:
    """The most recently used valid documents of one schema (least recently used go first)."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._documents: OrderedDict[tuple[str, tuple[tuple[str, object], ...]], DocumentNode] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, tuple[tuple[str, object], ...]]) -> DocumentNode | None:
        document = self._documents.get(key)
        if document is None:
            self.misses += 1
            return None
        self._documents.move_to_end(key)
        self.hits += 1
        return document

    def put(self, key: tuple[str, tuple[tuple[str, object], ...]], document: DocumentNode) -> None:
        self._documents[key] = document
        self._documents.move_to_end(key)
        while len(self._documents) > self.size:
            self._documents.popitem(last=False)

    def __len__(self) -> int:
        return len(self._documents)

    def extension(self) -> "CachedDocuments":
        """A fresh extension for one operation (Strawberry wants a factory)."""
        return CachedDocuments(self)


class CachedDocuments(SchemaExtension):
    """Serve parse and validation from the cache; remember documents that pass validation.

    Must come after the extensions that set parse options or add validation rules (they do so
    in ``on_operation``), which is where Strawberry runs them anyway.
    """

    def __init__(self, cache: DocumentCache) -> None:
        self._cache = cache
        self._key: tuple[str, tuple[tuple[str, object], ...]] | None = None
        self._hit = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None and context.graphql_document is None:
            self._key = (context.query, tuple(sorted(context.parse_options.items())))
            document = self._cache.get(self._key)
            if document is not None:
                context.graphql_document = document
                self._hit = True
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self._hit:
            context.pre_execution_errors = []  # it passed these same rules before
        yield
        document = context.graphql_document
        passed = context.pre_execution_errors == []
        if not self._hit and self._key is not None and document is not None and passed:
            self._cache.put(self._key, document)
