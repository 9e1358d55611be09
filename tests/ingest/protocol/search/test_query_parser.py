"""The search language: every feature and every error, with message and position."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ingest.protocol.search.query import (
    MAX_TERMS,
    AssignedTerm,
    FieldTerm,
    HasTerm,
    Query,
    QueryError,
    StateTerm,
    TextTerm,
    TimeTerm,
    event_terms,
    issue_terms,
    parse_query,
    project_terms,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def terms(text: str) -> tuple:
    return parse_query(text, now=NOW).terms


def one(text: str):
    (term,) = terms(text)
    return term


def test_empty_and_blank_queries_have_no_terms():
    assert parse_query("") == Query(())
    assert parse_query(" \t\n ") == Query(())


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("level:error", "level", "error"),
        ("release:1.4.2", "release", "1.4.2"),
        ("environment:production", "environment", "production"),
        ("user.id:42", "user.id", "42"),
        ("request_id:req-7f3a", "request_id", "req-7f3a"),
        ("transaction:/api/orders", "transaction", "/api/orders"),
        ("server_name:web-1", "server_name", "web-1"),
        ("service:billing", "service", "billing"),
        ("source:sdk:sentry.python/2.75.0", "source", "sdk:sentry.python/2.75.0"),
        ("platform:python", "platform", "python"),
        ("project:checkout", "project", "checkout"),
        ("logger:django.request", "logger", "django.request"),
        ("error.type:ValueError", "error.type", "ValueError"),
        ("error.value:bad", "error.value", "bad"),
        ("message:timeout", "message", "timeout"),
        ("request.method:POST", "request.method", "POST"),
        ("stack.function:charge", "stack.function", "charge"),
    ],
)
def test_field_terms(text, key, value):
    assert one(text) == FieldTerm(key, "eq", (value,))


@pytest.mark.parametrize(
    ("alias", "key"),
    [
        ("exception.type", "error.type"),
        ("exception.value", "error.value"),
        ("trace", "trace_id"),
        ("trace.id", "trace_id"),
        ("requestid", "request_id"),
        ("request.id", "request_id"),
        ("Environment", "environment"),
        ("user", "user.id"),
        ("frame.function", "stack.function"),
        ("url", "request.url"),
    ],
)
def test_key_aliases_are_normalised(alias, key):
    assert one(f"{alias}:x1").key == key


def test_trace_and_event_ids_are_lowercased_without_dashes():
    assert one("trace_id:4BF92F35-77B3-4DA6-A3CE-929D0E0E4736").values == ("4bf92f3577b34da6a3ce929d0e0e4736",)
    assert one("event_id:ABC").values == ("abc",)


def test_unknown_keys_are_tags_and_tags_brackets_too():
    assert one("browser:Chrome") == FieldTerm("browser", "eq", ("Chrome",), is_tag=True)
    assert one("tags[customer]:acme") == FieldTerm("customer", "eq", ("acme",), is_tag=True)
    # tags[...] reaches a tag even when its name is also a field
    assert one("tags[level]:x") == FieldTerm("level", "eq", ("x",), is_tag=True)


def test_quoted_values_keep_spaces_and_are_literal():
    assert one('browser:"Mobile Safari"') == FieldTerm("browser", "eq", ("Mobile Safari",), is_tag=True)
    assert one('transaction:"/api/*"').op == "eq"
    assert one(r'message:"say \"hi\" \\ bye"').values == ('say "hi" \\ bye',)


def test_value_holds_everything_after_the_first_colon():
    assert one("transaction:GET:/a:b").values == ("GET:/a:b",)


def test_free_text_words_and_phrases():
    assert terms('connection "connection refused" ValueError') == (
        TextTerm("connection"),
        TextTerm("connection refused", phrase=True),
        TextTerm("ValueError"),
    )


def test_urls_and_keys_with_odd_characters_are_free_text():
    assert one("https://shop.example.com/cart") == TextTerm("https://shop.example.com/cart")
    assert one("(foo:bar") == TextTerm("(foo:bar")


def test_negation_with_minus_and_bang():
    assert terms('-level:debug !browser:IE -timeout -"read error"') == (
        FieldTerm("level", "eq", ("debug",), negated=True),
        FieldTerm("browser", "eq", ("IE",), negated=True, is_tag=True),
        TextTerm("timeout", negated=True),
        TextTerm("read error", phrase=True, negated=True),
    )


def test_has_on_fields_objects_and_tags():
    assert terms("has:user -has:release has:browser has:tags[os] has:trace") == (
        HasTerm("user"),
        HasTerm("release", negated=True),
        HasTerm("browser", is_tag=True),
        HasTerm("os", is_tag=True),
        HasTerm("trace_id"),
    )


def test_value_lists_mean_any_of():
    assert one("level:[error,fatal]") == FieldTerm("level", "eq", ("error", "fatal"))
    assert one('browser:[Chrome, "Mobile Safari" ,Firefox]').values == (
        "Chrome",
        "Mobile Safari",
        "Firefox",
    )


def test_wildcards():
    assert one("transaction:/api/*") == FieldTerm("transaction", "wildcard", ("/api/*",))
    assert one("browser:[Chrome*,Firefox]").op == "wildcard"


def test_level_comparisons_expand_to_the_levels():
    assert one("level:>=warning").values == ("warning", "error", "fatal")
    assert one("level:<info").values == ("debug",)
    assert one("level:ERROR").values == ("error",)


def test_numeric_comparisons_on_status_code():
    assert one("status_code:>=500") == FieldTerm("request.status_code", "gte", ("500",))
    assert one("http.status_code:404") == FieldTerm("request.status_code", "eq", ("404",))


def test_handled_flags():
    assert one("error.handled:no") == FieldTerm("error.handled", "eq", ("false",))
    assert one("error.unhandled:true") == FieldTerm("error.handled", "eq", ("false",))


def test_timestamp_comparisons():
    assert one("timestamp:>=2026-11-01T10:30:00Z") == TimeTerm(
        "timestamp", "gte", datetime(2026, 11, 1, 10, 30, tzinfo=UTC)
    )
    assert one("timestamp:<=2026-11-01T12:00:00Z") == TimeTerm(
        "timestamp", "lte", datetime(2026, 11, 1, 12, tzinfo=UTC)
    )
    assert one("timestamp:<2026-11-01T12:00:00+02:00").when == datetime(2026, 11, 1, 10, tzinfo=UTC)
    assert one("timestamp:2026-11-01T12:00:00").op == "eq"  # naive means UTC


def test_date_only_comparisons_cover_whole_days():
    day = datetime(2026, 11, 1, tzinfo=UTC)
    nxt = day + timedelta(days=1)
    assert one("timestamp:>2026-11-01") == TimeTerm("timestamp", "gte", nxt)
    assert one("timestamp:>=2026-11-01") == TimeTerm("timestamp", "gte", day)
    assert one("timestamp:<2026-11-01") == TimeTerm("timestamp", "lt", day)
    assert one("timestamp:<=2026-11-01") == TimeTerm("timestamp", "lt", nxt)
    assert terms("timestamp:2026-11-01") == (
        TimeTerm("timestamp", "gte", day),
        TimeTerm("timestamp", "lt", nxt),
    )


@pytest.mark.parametrize(
    ("value", "delta"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_ages_are_relative_to_now(value, delta):
    assert one(f"age:-{value}") == TimeTerm("timestamp", "gte", NOW - delta)
    assert one(f"age:+{value}") == TimeTerm("timestamp", "lte", NOW - delta)


def test_negated_time_terms_invert_the_comparison():
    assert one("-age:-24h") == TimeTerm("timestamp", "lt", NOW - timedelta(hours=24))
    assert one("!timestamp:>=2026-11-01T00:00:00Z").op == "lt"


def test_now_defaults_to_the_current_time():
    before = datetime.now(UTC)
    (term,) = parse_query("age:-1h").terms
    assert before - timedelta(hours=1, seconds=5) <= term.when <= datetime.now(UTC)


def test_issue_time_keys():
    assert terms("firstSeen:-24h lastSeen:<2026-11-01T00:00:00Z first_seen:+1d") == (
        TimeTerm("first_seen", "gte", NOW - timedelta(hours=24)),
        TimeTerm("last_seen", "lt", datetime(2026, 11, 1, tzinfo=UTC)),
        TimeTerm("first_seen", "lte", NOW - timedelta(days=1)),
    )


def test_states_and_assignment():
    assert terms("is:unresolved -is:snoozed is:[new,regressed] assigned:me -assigned:alice") == (
        StateTerm(("unresolved",)),
        StateTerm(("snoozed",), negated=True),
        StateTerm(("new", "regressed")),
        AssignedTerm(("me",)),
        AssignedTerm(("alice",), negated=True),
    )
    for state in ("new", "acknowledged", "resolved", "fixed", "inbox", "assigned", "unassigned"):
        assert one(f"is:{state}") == StateTerm((state,))


def test_split_into_issue_event_and_project_terms():
    q = parse_query(
        "is:new assigned:me firstSeen:-1d project:web level:error age:-1h timeout has:user",
        now=NOW,
    )
    assert [type(t).__name__ for t in issue_terms(q).terms] == ["StateTerm", "AssignedTerm", "TimeTerm"]
    assert [type(t).__name__ for t in event_terms(q).terms] == ["FieldTerm", "TimeTerm", "TextTerm", "HasTerm"]
    assert project_terms(q) == (FieldTerm("project", "eq", ("web",)),)


def test_at_most_max_terms():
    assert len(terms(" ".join(["a"] * MAX_TERMS))) == MAX_TERMS


# --- errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "position", "token"),
    [
        ('level:error "unclosed', "unclosed quote at position 12", 12, '"unclosed'),
        ('browser:"Mobile', "unclosed quote at position 8", 8, '"Mobile'),
        (":x", "empty key before ':' at position 0", 0, ":x"),
        ("level:error :x", "empty key before ':' at position 12", 12, ":x"),
        ("level: error", "missing value after 'level:' at position 0", 0, "level:"),
        ("a - b", "nothing to negate after '-' at position 2", 2, "-"),
        ('"a"b', "expected a space after the closing quote at position 2", 2, '"a"b'),
        ('x ""', "empty quotes at position 2", 2, '""'),
        ("level:[error,fatal", "unclosed '[' at position 6", 6, "[error,fatal"),
        ("level:[error,,fatal]", "empty value in list at position 13", 13, "[error,,"),
        ("level:[error fatal]", "expected ',' or ']' at position 13", 13, "fatal]"),
    ],
)
def test_syntax_errors_point_at_the_bad_token(text, message, position, token):
    with pytest.raises(QueryError) as err:
        parse_query(text)
    assert err.value.message.startswith(message)
    assert str(err.value) == err.value.message
    assert (err.value.position, err.value.token) == (position, token)


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("level:eror", "unknown level 'eror' (expected one of debug, info, warning, error, fatal)", 6),
        (
            "is:foo",
            "unknown state 'foo' for is: (expected one of new, acknowledged, resolved, "
            "fixed, regressed, snoozed, inbox, unresolved, assigned, unassigned, "
            "ignored, archived, muted, for_review)",
            3,
        ),
        ("x:1 -is:[new,foo]", "unknown state 'foo' for is:", 8),
        ("timestamp:>2026-13-01", "invalid date '2026-13-01'", 10),
        ("timestamp:yesterday", "invalid date 'yesterday'", 10),
        ("lastSeen:2026-11-01T25:00:00Z", "invalid date '2026-11-01T25:00:00Z'", 9),
        ("age:+7y", "unknown unit 'y' in 'age:+7y' (expected one of s, m, h, d, w)", 4),
        ("age:-7", "missing unit in 'age:-7'", 4),
        ("age:24h", "expected an age such as -24h (newer than) or +7d (older than), got '24h'", 4),
        ("age:[-1h,-2h]", "age: takes one value, not a list", 4),
        ("-timestamp:2026-11-01", "cannot negate 'timestamp:2026-11-01'", 11),
        ("status_code:>abc", "expected a number, got 'abc'", 12),
        ("level:>=", "missing value after the comparison", 6),
        ("error.handled:maybe", "expected true or false, got 'maybe'", 14),
        ("has:[user,release]", "has: takes one key, not a list", 4),
        ("has:(x", "invalid key '(x' for has:", 4),
        ("trace_id:abc*", "wildcards are not supported for trace_id:", 9),
    ],
)
def test_value_errors_name_the_value(text, message, position):
    with pytest.raises(QueryError) as err:
        parse_query(text, now=NOW)
    assert err.value.message.startswith(message)
    assert err.value.position == position


def test_too_many_terms():
    with pytest.raises(QueryError) as err:
        parse_query(" ".join(["a"] * (MAX_TERMS + 1)))
    assert err.value.message == f"too many terms (at most {MAX_TERMS}) at position {2 * MAX_TERMS}"


def test_too_long():
    parse_query("a" * 2048)
    with pytest.raises(QueryError, match=r"query too long \(at most 2048 bytes\)"):
        parse_query("a" * 2049)
    with pytest.raises(QueryError, match="too long"):
        parse_query("é" * 1025)  # 2050 bytes in UTF-8


def test_huge_age_is_an_error_not_an_overflow():
    with pytest.raises(QueryError, match="age too large"):
        parse_query("age:-999999w", now=datetime(1, 1, 2, tzinfo=UTC))


def test_query_error_is_a_value_error():
    assert issubclass(QueryError, ValueError)
