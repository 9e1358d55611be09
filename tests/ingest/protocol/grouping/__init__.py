"""Grouping tests: the same/different case table lives in ``cases/*.json``.

A case side is either an Event dict (``ingest/event.py`` shape) or
``{"$envelope": "tests/fixtures/..."}`` naming an envelope captured from a real
SDK, read here with just enough of the Sentry event protocol to reach the Event
fields grouping looks at.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[4]
CASES_DIR = Path(__file__).resolve().parent / "cases"


def load_cases() -> list[dict[str, Any]]:
    """Every case of every ``cases/*.json`` file, with ``a``/``b`` resolved to Events
    and an ``id`` of ``file:name``."""
    cases = []
    for path in sorted(CASES_DIR.glob("*.json")):
        for case in json.loads(path.read_text()):
            cases.append(
                {**case, "id": f"{path.stem}:{case['name']}", "a": resolve(case["a"]), "b": resolve(case["b"])}
            )
    return cases


def resolve(side: dict[str, Any]) -> dict[str, Any]:
    if "$envelope" in side:
        return envelope_events(ROOT / side["$envelope"])[0]
    return side


def envelope_events(path: Path) -> list[dict[str, Any]]:
    """The ``event`` items of a Sentry envelope file, as Event-shaped dicts."""
    lines = path.read_bytes().split(b"\n")
    events = []
    index = 1  # line 0 is the envelope header
    while index + 1 < len(lines):
        item_header = json.loads(lines[index] or b"{}")
        payload = lines[index + 1]
        if item_header.get("type") == "event":
            events.append(sentry_to_event(json.loads(payload)))
        index += 2
    return events


def sentry_to_event(payload: dict[str, Any]) -> dict[str, Any]:
    """Rename the protocol fields grouping reads: ``exception.values`` -> ``exception``,
    ``logentry`` (or a ``message`` object) -> ``message`` / ``message_template``."""
    event = dict(payload)
    exception = payload.get("exception")
    if isinstance(exception, dict):
        event["exception"] = exception.get("values") or []
    # The protocol's message interface: "logentry", or "message" as an object (Java SDK).
    logentry = payload.get("logentry") or payload.get("message")
    if isinstance(logentry, dict):
        if logentry.get("params") and logentry.get("message"):
            event["message_template"] = logentry["message"]
        event["message"] = logentry.get("formatted") or logentry.get("message")
    return event


def fixture_events() -> list[dict[str, Any]]:
    """Events from every captured SDK envelope under ``tests/fixtures/``."""
    events = []
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*.envelope")):
        try:
            events.extend(envelope_events(path))
        except (ValueError, OSError):
            continue  # a fixture being written concurrently, or not an event envelope
    return events
