"""A repeated document is parsed and validated once, and the cache never lets past what the
limits refuse."""

from core.settings import Settings
from schema.root import build_schema

TYPENAME = "{ __typename }"
INTROSPECTION = "{ __schema { queryType { name } } }"


def deep(levels: int) -> str:
    nested = "__typename " + "".join("ofType { " for _ in range(levels)) + "name" + " }" * levels
    return "{ __schema { types { fields { type { " + nested + " } } } } }"


async def test_a_repeated_document_is_served_from_the_cache() -> None:
    schema = build_schema(Settings())
    first = await schema.execute(TYPENAME)
    again = await schema.execute(TYPENAME)
    assert first.errors is None and again.errors is None
    assert first.data == again.data == {"__typename": "Query"}
    assert (schema.document_cache.misses, schema.document_cache.hits) == (1, 1)


async def test_refused_documents_are_refused_every_time_and_never_kept() -> None:
    schema = build_schema(Settings())
    for _ in range(2):
        result = await schema.execute(deep(25))
        assert result.errors and "exceeds maximum operation depth" in result.errors[0].message
        result = await schema.execute("{ viewer { " + " ".join("role" for _ in range(6000)) + " } }")
        assert result.errors and "more than 5000 tokens" in result.errors[0].message
    assert len(schema.document_cache) == 0 and schema.document_cache.hits == 0


async def test_each_schema_keeps_its_own_rules() -> None:
    open_schema = build_schema(Settings(introspection_enabled=True))
    closed = build_schema(Settings(introspection_enabled=False))
    assert (await open_schema.execute(INTROSPECTION)).errors is None
    assert (await open_schema.execute(INTROSPECTION)).errors is None
    result = await closed.execute(INTROSPECTION)
    assert result.errors and "introspection" in result.errors[0].message.lower()


async def test_the_cache_keeps_only_the_most_recently_used() -> None:
    schema = build_schema(Settings())
    cache = schema.document_cache
    for i in range(cache.size + 10):
        assert (await schema.execute(f"{{ a{i}: __typename }}")).errors is None
    assert len(cache) == cache.size
    await schema.execute("{ a0: __typename }")  # evicted: parsed again
    await schema.execute(f"{{ a{cache.size + 9}: __typename }}")  # still there
    assert cache.hits == 1
