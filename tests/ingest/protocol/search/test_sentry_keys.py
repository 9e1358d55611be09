"""Sentry's issue search keys and states, and unknown keys reported with where they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ingest.protocol.search.query import (
    FieldTerm,
    QueryError,
    StateTerm,
    TimeTerm,
    event_terms,
    issue_terms,
    parse_query,
)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
TAGS = {"browser", "customer"}


def parse(text: str):
    return parse_query(text, now=NOW, known_tag=TAGS.__contains__)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("times_seen:>10", FieldTerm("times_seen", "gt", ("10",))),
        ("timesSeen:<=3", FieldTerm("times_seen", "lte", ("3",))),
        ("timesSeen:7", FieldTerm("times_seen", "eq", ("7",))),
        ("firstRelease:shop@1.2.0", FieldTerm("first_release", "eq", ("shop@1.2.0",))),
        ("first-release:latest", FieldTerm("first_release", "eq", ("latest",))),
        ("first_release:shop@*", FieldTerm("first_release", "wildcard", ("shop@*",))),
        ("!firstRelease:1.0", FieldTerm("first_release", "eq", ("1.0",), negated=True)),
    ],
)
def test_issue_fields(text, term):
    (parsed,) = parse(text).terms
    assert parsed == term


def test_issue_fields_are_issue_terms_not_event_terms():
    query = parse("timesSeen:>1 firstRelease:1.0 level:error")
    assert [t.key for t in issue_terms(query).terms] == ["times_seen", "first_release"]
    assert [t.key for t in event_terms(query).terms] == ["level"]


@pytest.mark.parametrize(
    ("state", "meaning"),
    [("ignored", "snoozed"), ("archived", "snoozed"), ("muted", "snoozed"), ("for_review", "inbox")],
)
def test_sentry_states_name_errorhub_states(state, meaning):
    assert parse(f"is:{state}").terms == (StateTerm((meaning,)),)


def test_age_remembers_it_was_typed_as_age():
    (term,) = parse("age:-24h").terms
    assert term == TimeTerm("timestamp", "gte", NOW - timedelta(hours=24))
    assert term.typed == "age"
    (negated,) = parse("-age:-24h").terms
    assert (negated.op, negated.typed) == ("lt", "age")
    (last,) = parse("lastSeen:-1h").terms
    assert (last.key, last.typed) == ("last_seen", "lastseen")


def test_known_tags_stay_tags():
    (term,) = parse("browser:Chrome").terms
    assert term == FieldTerm("browser", "eq", ("Chrome",), is_tag=True)
    (bracketed,) = parse("tags[never_seen]:x").terms
    assert bracketed.is_tag and bracketed.key == "never_seen"


@pytest.mark.parametrize(
    ("text", "key", "position"),
    [
        ("foo:bar", "foo", 0),
        ("level:error foo:bar", "foo", 12),
        ("level:error !foo:bar", "foo", 13),
        ("has:nothing_like_it", "nothing_like_it", 4),
        ("x -has:nope", "nope", 7),
    ],
)
def test_unknown_keys_name_the_key_and_where(text, key, position):
    with pytest.raises(QueryError) as err:
        parse(text)
    assert err.value.message.startswith(f"Unknown search key `{key}` at position {position}.")
    assert "Known keys: is, assigned, has, times_seen, first_release" in err.value.message
    assert err.value.position == position
    assert err.value.status == 400


def test_unknown_key_suggests_the_close_one():
    with pytest.raises(QueryError) as err:
        parse("time_seen:>10")
    assert "Did you mean `times_seen`?" in err.value.message
    with pytest.raises(QueryError) as err:
        parse("browsr:Chrome")
    assert "Did you mean" not in err.value.message  # tags are not guessed at


def test_without_a_tag_checker_any_key_is_a_tag():
    (term,) = parse_query("foo:bar").terms
    assert term == FieldTerm("foo", "eq", ("bar",), is_tag=True)


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("times_seen:>abc", "expected a number, got 'abc' in 'times_seen:>abc'", 11),
        ("timesSeen:", "missing value after 'timesSeen:'", 0),
        ('firstRelease:"1.0', "unclosed quote at position 13", 13),
        ("is:sleeping", "unknown state 'sleeping' for is:", 3),
    ],
)
def test_malformed_issue_terms(text, message, position):
    with pytest.raises(QueryError) as err:
        parse(text)
    assert err.value.message.startswith(message)
    assert err.value.position == position
