"""Property: any body on the security endpoint is either reports that each make an event,
or a ``SecurityReportError`` (the 400) — never another exception, so never a 500 at the
door and never a payload the worker cannot turn into events."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.protocol.security_reports import SecurityReportError, event_from_security_report, parse_security_reports

KEYS = [
    "csp-report",
    "expect-ct-report",
    "expect-staple-report",
    "known-pins",
    "noted-hostname",
    "type",
    "body",
    "url",
    "hostname",
    "port",
    "effective-directive",
    "violated-directive",
    "blocked-uri",
    "blockedURL",
    "effectiveDirective",
    "document-uri",
    "status_code",
    "message",
    "id",
    "sourceFile",
    "lineNumber",
    "reason",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False)
    | st.sampled_from(
        [
            "csp-violation",
            "network-error",
            "deprecation",
            "crash",
            "intervention",
            "https://evil.com/x.js",
            "inline",
            "eval",
            "data:",
            "script-src",
            "tcp.refused",
            "http://[x",
            "https://[::1/x.js",
            "ws://[",
            "//[",
            "blob:[x",
            "evil\x00.com",
        ]
    )
    | st.text(max_size=12)
)
values = st.recursive(
    scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(KEYS), c, max_size=5), max_leaves=30
)
NOW = datetime(2026, 11, 26, tzinfo=UTC)


def texts(value: object) -> list[str]:
    """Every string in an event, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in texts(key) + texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return []


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=values)
def test_any_body_is_reports_or_a_client_error(body):
    try:
        reports = parse_security_reports(orjson.dumps(body))
    except SecurityReportError as exc:
        assert exc.status == 400 and exc.message.startswith("invalid security report")
        return
    assert reports
    for index, report in enumerate(reports):
        event = event_from_security_report(report, project_id=1, received_at=NOW, event_id=f"{index:032x}")
        assert event["message"] and event["source"].startswith("security:")
        assert not any("\x00" in text for text in texts(event)), "PostgreSQL refuses NUL in text and jsonb"


@pytest.mark.parametrize(
    "raw", [b"", b"\xff\xfe", b"{" * 5000, b'{"csp-report": {"violated-directive": ' + b"[" * 2000]
)
def test_garbage_bytes_are_a_client_error(raw):
    with pytest.raises(SecurityReportError, match="invalid security report"):
        parse_security_reports(raw)


#: The fields the titles and tags read URLs from, each with a URL ``urlsplit`` refuses.
BROKEN_URLS = st.sampled_from(
    ["http://[x", "https://[::1/x.js", "ws://[", "http://]", "http://[::1]:99999", "http://[\x00"]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["csp-violation", "network-error", "crash", "deprecation", "intervention", "other"]),
    url=BROKEN_URLS,
    body=st.dictionaries(st.sampled_from(KEYS), values, max_size=5),
)
def test_whatever_parses_becomes_events_even_with_unreadable_urls(kind, url, body):
    """A Reporting-API report the parser accepts is turned into an event whatever its URLs hold."""
    reports = parse_security_reports(
        orjson.dumps([{"type": kind, "url": url, "body": {**body, "blockedURL": url, "blocked-uri": url}}])
    )
    for index, report in enumerate(reports):
        event = event_from_security_report(report, project_id=1, received_at=NOW, event_id=f"{index:032x}")
        assert event["message"] and event["source"] == f"security:{report.kind}"
        assert not any("\x00" in text for text in texts(event)), "PostgreSQL refuses NUL in text and jsonb"
