"""One body of JSON/logfmt records from the common loggers, posted with no hint: each error
record becomes its event, in its own dialect, keeping its own (year-old) time."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.protocol.logs.formats import frame
from ingest.protocol.logs.pipeline import extract
from tests.ingest.protocol.logs.runtime_corpus import ROOT

BODY = (ROOT / "loggers" / "mixed.log").read_bytes()

# source, timestamp, platform, outer exception type, value, frames
EXPECTED = [
    ("log:pino", "2024-05-17T09:12:33.123000Z", "node", "Error", "connect ECONNREFUSED 10.0.0.5:5432", 2),
    (
        "log:bunyan",
        "2024-05-17T09:12:34.123000Z",
        "node",
        "TypeError",
        "Cannot read properties of undefined (reading 'id')",
        2,
    ),
    ("log:winston", "2024-05-17T09:12:35.123000Z", "node", "Error", "payment failed", 2),
    ("log:structlog", "2024-05-17T09:12:36.123456Z", "python", "ZeroDivisionError", "division by zero", 1),
    ("log:logrus", "2024-05-17T09:12:37Z", "go", None, 'pq: password authentication failed for user "shop"', 0),
    ("log:zap", "2024-05-17T09:12:38.123000Z", "go", None, "dial tcp 10.0.0.5:5432: connect: connection refused", 2),
    ("log:zerolog", "2024-05-17T09:12:39Z", "go", None, "context deadline exceeded", 0),
    ("log:serilog", "2024-05-17T09:12:40.123456Z", "csharp", "System.InvalidOperationException", "Card declined", 2),
    ("log:ecs", "2024-05-17T09:12:41.123000Z", "java", "java.lang.IllegalStateException", "cart is empty", 2),
    ("log:gelf", "2024-05-17T09:12:42.123000Z", "other", None, None, 0),
    ("log:logfmt", "2024-05-17T09:12:43Z", "go", None, "redis: connection pool timeout", 0),
    ("log:logrus", "2024-05-17T09:12:44Z", "go", None, "write /data/x: no space left on device", 0),
]


def _summary(event: dict[str, Any]) -> tuple[Any, ...]:
    outer = (event.get("exception") or [{}])[-1]
    frames = (outer.get("stacktrace") or {}).get("frames") or []
    return (
        event["source"],
        event.get("timestamp"),
        event["platform"],
        outer.get("type"),
        outer.get("value"),
        len(frames),
    )


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    return list(extract(BODY, fmt=None, content_type=None, defaults={"project_id": 1}).events)


def test_every_error_record_is_an_event_in_its_dialect(events: list[dict[str, Any]]) -> None:
    assert [_summary(event) for event in events] == EXPECTED


def test_the_info_record_makes_no_event(events: list[dict[str, Any]]) -> None:
    assert all("listening" not in (event.get("message") or "") for event in events)


def test_a_hint_still_wins() -> None:
    body = (ROOT / "wrapped" / "docker" / "go.log").read_bytes()
    guessed, unwrapped = frame(body, None, content_type=None)
    named, raw = frame(body, "plain", content_type=None)
    assert (guessed, named) == ("docker", "plain")
    assert unwrapped[0].text == "INFO handling job 0 for tenant acme"
    assert raw[0].text.startswith('{"log":"INFO handling job 0')
