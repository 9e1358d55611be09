"""Hypothesis: the search query language raises nothing but ``ClientError`` (``QueryError``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ingest.protocol.search.query import parse_query
from tests.security.fuzzing import FUZZ, only_client_errors

tokens = st.sampled_from(
    [
        "is:",
        "unresolved",
        "level:",
        "error",
        "[",
        "]",
        "(",
        ")",
        '"',
        "!",
        "-",
        ":",
        ",",
        "tags[",
        "release:",
        "age:",
        "-24h",
        "+1e30d",
        "99999999999999999999h",
        "timesSeen:>",
        "1e308",
        "lastSeen:",
        "2026-13-45",
        "OR",
        "AND",
        " ",
        "*",
        "\\",
        "\x00",
        "assigned:me",
    ]
)


@FUZZ
@given(st.one_of(st.lists(tokens, max_size=30).map("".join), st.text(max_size=80)))
def test_parse_query(text):
    only_client_errors(lambda: parse_query(text))
