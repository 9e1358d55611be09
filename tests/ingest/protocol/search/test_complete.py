"""Autocomplete's pure half: the token under the cursor, key and value suggestions."""

from __future__ import annotations

from ingest.protocol.search.complete import (
    MAX_SUGGESTIONS,
    Cursor,
    closed_values,
    key_suggestions,
    quote,
    token_at,
    value_suggestions,
)


def test_token_at_a_key_prefix():
    assert token_at("level:error tim", 15) == Cursor(12, 15, None, "tim", False, 12)


def test_token_at_a_value_after_the_colon_quote_or_comparison():
    assert token_at("browser:Chr", 11) == Cursor(0, 11, "browser", "Chr", False, 8)
    assert token_at('!browser:"Mob', 13) == Cursor(0, 13, "browser", "Mob", True, 10)
    assert token_at("timesSeen:>=1", 13).prefix == "1"


def test_token_at_the_middle_of_a_token_covers_the_whole_token():
    at = token_at("is:unresolved level:er x", 16)
    assert (at.start, at.end, at.key, at.prefix) == (14, 22, None, "le")


def test_cursor_is_clamped():
    assert token_at("abc", 99).end == 3
    assert token_at("", -4) == Cursor(0, 0, None, "", False, 0)


def test_key_suggestions_match_names_and_aliases_then_tags():
    labels = [s.label for s in key_suggestions("first", ["firstname", "browser"])]
    assert labels == ["first_release:", "firstSeen:", "firstname:"]
    assert [s.label for s in key_suggestions("timess")] == ["timesSeen:"]
    assert key_suggestions("is")[0].detail.startswith("Issue state")


def test_tags_that_shadow_keys_are_not_offered_twice():
    labels = [s.label for s in key_suggestions("lev", ["level"])]
    assert labels == ["level:"]


def test_key_suggestions_are_bounded():
    assert len(key_suggestions("")) == MAX_SUGGESTIONS


def test_value_suggestions_filter_by_prefix_and_quote_when_needed():
    found = value_suggestions("browser", "m", ["Mobile Safari", "Chrome", "mozilla", "Mobile Safari"])
    assert [(s.text, s.label) for s in found] == [
        ('browser:"Mobile Safari"', "Mobile Safari"),
        ("browser:mozilla", "mozilla"),
    ]


def test_closed_values():
    assert "unresolved" in closed_values("is")
    assert closed_values("level") == ("debug", "info", "warning", "error", "fatal")
    assert closed_values("browser") == ()


def test_quote():
    assert quote("plain") == "plain"
    assert quote('say "hi"') == '"say \\"hi\\""'
    assert quote(">5") == '">5"'
    assert quote("a,b") == '"a,b"'
