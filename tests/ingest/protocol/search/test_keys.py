"""The help's key table is the parser's vocabulary: every key listed parses, every key parses is listed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.protocol.search import query as q
from ingest.protocol.search.keys import SEARCH_KEYS, SYNTAX, search_key
from ingest.protocol.search.query import QueryError, parse_query

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _never_a_tag(key: str) -> bool:
    return False


def test_every_canonical_key_has_one_help_entry():
    assert [k.name for k in SEARCH_KEYS] == list(q.canonical_keys())


@pytest.mark.parametrize("key", SEARCH_KEYS, ids=lambda k: k.name)
def test_every_example_parses_without_tags(key):
    assert parse_query(key.example, now=NOW, known_tag=_never_a_tag).terms


@pytest.mark.parametrize("key", SEARCH_KEYS, ids=lambda k: k.name)
def test_every_name_and_alias_is_a_key_not_a_tag(key):
    for name in (key.name, *key.aliases):
        value = key.values[0] if key.values else ("-1d" if key.kind == "time" else "1")
        if key.name == "has":
            value = "user"
        parse_query(f"{name}:{value}", now=NOW, known_tag=_never_a_tag)


def test_every_alias_the_parser_knows_is_in_the_help():
    listed = {n.lower() for k in SEARCH_KEYS for n in (k.name, *k.aliases)}
    parser_names = {n.lower() for n in q.known_key_names()} - {"exception.unhandled"}
    assert parser_names <= listed | {"firstseen", "lastseen"}


def test_search_key_finds_canonical_and_alias_names_in_any_case():
    assert search_key("timesSeen").name == "times_seen"
    assert search_key("FIRST-RELEASE").name == "first_release"
    assert search_key("http.method").name == "request.method"
    assert search_key("browser") is None


def test_closed_values_come_from_the_parser():
    assert search_key("is").values == q.STATES
    assert "for_review" in search_key("is").values


def test_syntax_table_covers_the_operators():
    forms = " ".join(f for f, _ in SYNTAX)
    for operator in ("!key", '"', "[a,b]", "*", ">", "-24h", "tags["):
        assert operator in forms


def test_an_unlisted_key_is_an_error_with_known_tags_checked():
    with pytest.raises(QueryError):
        parse_query("nosuchkey:1", known_tag=_never_a_tag)
