"""X-Sentry-Rate-Limits: what SDKs read to back off, per develop.sentry.dev."""

from __future__ import annotations

import pytest

from ingest.protocol.ratelimit_header import (
    RateLimit,
    RateLimitHeaderError,
    format_rate_limit,
    format_rate_limits,
    parse_rate_limits,
    retry_after_seconds,
)


def test_spec_example_round_trips() -> None:
    limits = [
        RateLimit(60, ("transaction",), "key"),
        RateLimit(2700, ("default", "error", "security"), "organization"),
    ]
    header = format_rate_limits(limits)
    assert header == "60:transaction:key, 2700:default;error;security:organization"
    assert parse_rate_limits(header) == limits


def test_empty_categories_mean_all() -> None:
    limit = RateLimit(60)
    assert format_rate_limit(limit) == "60::organization"
    assert limit.applies_to("error") and limit.applies_to("transaction")
    assert not RateLimit(60, ("transaction",)).applies_to("error")


def test_reason_code_and_namespaces() -> None:
    limit = RateLimit(10, ("error",), "project", "quota_exceeded")
    assert format_rate_limit(limit) == "10:error:project:quota_exceeded"
    metric = RateLimit(2700, ("metric_bucket",), "organization", "quota_exceeded", ("custom",))
    assert format_rate_limit(metric) == "2700:metric_bucket:organization:quota_exceeded:custom"
    no_reason = RateLimit(5, ("metric_bucket",), namespaces=("custom",))
    assert format_rate_limit(no_reason) == "5:metric_bucket:organization::custom"


def test_seconds_round_up_and_duplicates_collapse() -> None:
    assert format_rate_limit(RateLimit(0.2, ("error", "error"))) == "1:error:organization"


def test_parser_ignores_spaces_unknown_fields_and_reads_floats() -> None:
    (limit,) = parse_rate_limits(" 12.5 : error ; default : key : too_many : ns : future_field , ")
    assert limit == RateLimit(12.5, ("error", "default"), "key", "too_many", ("ns",))


def test_parser_on_minimal_entry() -> None:
    assert parse_rate_limits("30") == [RateLimit(30, (), "", None, ())]
    assert parse_rate_limits("") == []


def test_retry_after_is_the_longest_limit() -> None:
    assert retry_after_seconds([RateLimit(60), RateLimit(2699.1)]) == 2700
    assert retry_after_seconds([]) == 0


@pytest.mark.parametrize(
    "limit",
    [
        RateLimit(-1),
        RateLimit(float("inf")),
        RateLimit(1, scope="planet"),
        RateLimit(1, ("err:or",)),
        RateLimit(1, ("a,b",)),
        RateLimit(1, reason_code="bad reason"),
    ],
)
def test_formatting_refuses_what_would_break_the_header(limit: RateLimit) -> None:
    with pytest.raises(RateLimitHeaderError):
        format_rate_limit(limit)


@pytest.mark.parametrize("header", ["soon:error:key", "-5::key", "nan::key", "inf::key"])
def test_parser_rejects_bad_seconds(header: str) -> None:
    with pytest.raises(RateLimitHeaderError, match="retry_after"):
        parse_rate_limits(header)
