"""The response cache's own rules, without a server: which documents it takes, and its bounds."""

from web.response_cache import Key, ResponseCache

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


def key(name: str, version: int = 1) -> Key:
    return Key((name,), version)


def test_bounded_by_entries_and_bytes_least_recently_used_first() -> None:
    cache = ResponseCache(max_bytes=100, max_entries=3)
    for name in "abc":
        cache.put(key(name), b"x" * 29)  # 30 bytes with the key's own
    assert cache.get(key("a")) is not None  # b is now the oldest
    cache.put(key("d"), b"x" * 29)
    assert cache.get(key("b")) is None and len(cache) == 3
    cache.put(key("e"), b"x" * 59)
    assert cache.bytes <= 100 and cache.get(key("e")) is not None
    cache.put(key("huge"), b"x" * 97)
    assert cache.get(key("huge")) is None


def test_a_newer_version_replaces_the_older_answer() -> None:
    cache = ResponseCache(max_bytes=1000, max_entries=10)
    cache.put(key("a", 1), b"old")
    cache.put(key("a", 2), b"new")
    assert cache.get(key("a", 1)) is None and cache.get(key("a", 2)) == b"new"
    assert len(cache) == 1 and cache.bytes == len(b"new") + 1


def test_zero_bytes_stores_nothing() -> None:
    cache = ResponseCache(max_bytes=0, max_entries=10)
    assert not cache.enabled
    cache.put(key("a"), b"{}")
    assert cache.get(key("a")) is None
