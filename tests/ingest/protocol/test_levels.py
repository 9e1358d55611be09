"""One level table (``ingest.protocol.event``): every door and every reader of levels agree."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from alerts.routing import rule_matches
from ingest.protocol import otlp
from ingest.protocol.event import LEVEL_ALIASES, LEVELS, level_at_least, normalize_level
from ingest.protocol.logs.structured import event_from_record
from ingest.protocol.normalize import normalize_sentry_event
from ingest.protocol.sentry_logs import events_from_log_item
from tests.ingest.otlp.helpers import error_log, logs_request

ROOT = Path(__file__).resolve().parents[3]
RECEIVED = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("spelling", "level"),
    [
        ("warn", "warning"),
        ("critical", "fatal"),
        ("trace", "debug"),
        ("log", "info"),
        ("EMERG", "fatal"),
    ],
)
def test_every_door_reads_a_spelling_the_same_way(spelling, level) -> None:
    sdk = normalize_sentry_event({"level": spelling, "message": "m"}, project_id=1, event_id="", received_at=RECEIVED)
    log = event_from_record({"level": spelling, "msg": "m", "exception": "boom"}, defaults={})
    assert sdk["level"] == level
    assert normalize_level(spelling) == level
    assert log is not None and log["level"] == level


def test_sentry_log_items_use_the_alias_table() -> None:
    """``critical`` was unknown to the old table of log items and fell to info (counted, never an event)."""
    events, counted = events_from_log_item(
        {"items": [{"level": "critical", "body": "disk gone"}, {"level": "warn", "body": "slow"}]},
        project_id=1,
        received_at=RECEIVED,
    )
    assert [e["level"] for e in events] == ["fatal"] and counted == 1


def test_unknown_levels_default_per_door() -> None:
    """An SDK event with an unreadable level stays an error; a log record's stays unknown (None)."""
    assert normalize_level("bogus", "error") == "error"
    assert normalize_level(None, "info") == "info"
    assert normalize_level("bogus") is None
    assert normalize_level(float("nan")) is None
    assert normalize_level(True) is None


def test_level_at_least_reads_aliases_and_treats_unknown_as_error() -> None:
    assert level_at_least("critical", "error")
    assert not level_at_least("warn", "error")
    assert level_at_least(None, "error") and level_at_least("bogus", "error")
    assert level_at_least("debug", "bogus")  # an unknown minimum lets everything through


def test_alert_rule_minimum_level_uses_the_same_ranks() -> None:
    rule = SimpleNamespace(
        environments=[],
        min_level="warning",
        release="",
        tags={},
        exception_type="",
        message_regex="",
        culprit_regex="",
        source="",
        lifecycle_states=[],
    )
    issue = SimpleNamespace(environment="", level="error", title="t", culprit="", metadata={}, source="")
    assert rule_matches(rule, {"level": "critical"}, issue)
    assert rule_matches(rule, {"level": "warn"}, issue)
    assert not rule_matches(rule, {"level": "info"}, issue)


def test_otlp_record_without_severity_number_reads_its_severity_text() -> None:
    record = error_log("handled", severity=0)
    record.severity_text = "WARN"
    [event] = otlp.events_from_request(
        "logs", logs_request(record), project_id=7, received_at="2026-01-01T00:00:00+00:00"
    ).events
    assert event["level"] == "warning"


def test_every_alias_names_a_level() -> None:
    assert set(LEVEL_ALIASES.values()) == set(LEVELS)
    assert all(name == name.lower() for name in LEVEL_ALIASES)


def test_no_other_module_keeps_its_own_level_map() -> None:
    """A second table drifts (the old ones disagreed on ``critical`` and ``log``): only
    ``ingest/protocol/event.py`` may map a spelling to a level by hand."""
    pair = re.compile(r"""["'](?:warn|critical|trace)["']\s*:\s*["'](?:warning|fatal|debug)["']""")
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("errorhub", "ingest", "alerts")
        for path in (ROOT / package).rglob("*.py")
        if path != ROOT / "ingest/protocol/event.py" and pair.search(path.read_text())
    ]
    assert offenders == []
