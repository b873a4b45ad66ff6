"""The response cache's own rules, without a server: which documents it takes, and its bounds."""

from web.response_cache import ResponseCache

VIEW = "query V($id: ID!) { program(id: $id) { id name } }"


def test_only_documents_of_program_fields_name_programs() -> None:
    cache = ResponseCache(max_bytes=1000, max_entries=10)
    assert cache.program_ids(VIEW, None, {"id": "7"}) == [7]
    assert cache.program_ids(VIEW, "V", {"id": 7}) == [7]
    assert cache.program_ids('{ a: program(id: "3") { id } b: program(id: 4) { id } }', None, None) == [3, 4]
    assert cache.program_ids('query V($id: ID! = "5") { program(id: $id) { id } }', None, {}) == [5]
    for query, variables in (
        (VIEW, {"id": "x"}),
        (VIEW, {}),
        ("{ viewer { email } }", None),
        ('{ viewer { email } program(id: "1") { id } }', None),
        ('mutation { repairProgram(programId: "1") { __typename } }', None),
        ('{ ...F } fragment F on Query { program(id: "1") { id } }', None),
        ("query A { program(id: 1) { id } } query B { program(id: 2) { id } }", None),
        ("{ program(id: ", None),
    ):
        assert cache.program_ids(query, None, variables) is None, query


def test_bounded_by_entries_and_bytes_least_recently_used_first() -> None:
    cache = ResponseCache(max_bytes=100, max_entries=3)
    for key in "abc":
        cache.put(key, b"x" * 30)
    assert cache.get("a") is not None  # b is now the oldest
    cache.put("d", b"x" * 30)
    assert cache.get("b") is None and len(cache) == 3
    cache.put("e", b"x" * 60)
    assert cache.bytes <= 100 and cache.get("e") is not None
    cache.put("huge", b"x" * 101)
    assert cache.get("huge") is None


def test_zero_bytes_stores_nothing() -> None:
    cache = ResponseCache(max_bytes=0, max_entries=10)
    assert not cache.enabled
    cache.put("a", b"{}")
    assert cache.get("a") is None
