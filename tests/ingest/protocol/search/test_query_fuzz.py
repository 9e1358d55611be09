"""parse_query on arbitrary text raises only QueryError, quickly, and to_dsl accepts what it returns."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.protocol.search.dsl import to_dsl
from ingest.protocol.search.query import QueryError, parse_query
from tests.budget import cpu_budget

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)

# Pieces of the grammar, so random text often forms (almost) valid queries.
ATOMS = st.sampled_from(
    [
        '"',
        "-",
        "!",
        ":",
        "[",
        "]",
        ",",
        "*",
        " ",
        "\\",
        "level",
        "is",
        "has",
        "age",
        "tags[",
        "timestamp",
        "firstSeen",
        "error.type",
        "status_code",
        ">",
        ">=",
        "<",
        "2026-11-01",
        "T12:00:00Z",
        "+7d",
        "-24h",
        "new",
        "error",
        "user",
        "me",
        "assigned",
        "release",
        "\t",
        "\u00a0",
        "\x00",
        "é",
        "\ud800",
        "//",
        "99999999w",
    ]
)
QUERY_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(ATOMS, st.text(max_size=5)), max_size=60).map("".join),
)


def _check(text: str) -> None:
    with cpu_budget(2.0, "parsing one query"):
        try:
            query = parse_query(text, now=NOW)
        except QueryError as err:
            assert isinstance(err.position, int) and err.position >= 0
            assert err.message
        else:
            json.dumps(to_dsl(query, project_ids=[1], start=None, end=None))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(QUERY_TEXT)
def test_arbitrary_text_raises_only_query_error(text):
    _check(text)


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(['"', "[", "a:[", "-", "x ", '\\"', "a:"]), st.integers(1, 3000))
def test_long_pathological_input_is_bounded(piece, count):
    _check(piece * count)
