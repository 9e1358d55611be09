"""Loading the real SDK payloads of ``tests/fixtures/sdk_payloads/`` (see its SOURCES.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.protocol.envelope import parse_envelope
from ingest.protocol.normalize import normalize_sentry_event

PAYLOADS = Path(__file__).resolve().parents[2] / "fixtures" / "sdk_payloads"
RECEIVED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CLIENT_IP = "203.0.113.7"


def payload(name: str) -> dict[str, Any]:
    """The event a fixture holds: a JSON event, an envelope snapshot's first item, or an envelope's event."""
    path = PAYLOADS / name
    if path.suffix == ".envelope":
        envelope = parse_envelope(path.read_bytes())
        return json.loads(next(item.payload for item in envelope.items if item.type == "event"))
    data = json.loads(path.read_text())
    return data["items"][0]["payload"] if "items" in data else data


def normalized(name: str, **changes: Any) -> dict[str, Any]:
    """The fixture normalised as the worker does (``changes`` applied to the payload first)."""
    body = {**payload(name), **changes}
    return normalize_sentry_event(
        body,
        project_id=1,
        event_id=str(body.get("event_id") or ""),  # type: ignore[return-value]
        received_at=RECEIVED,
        client_ip=CLIENT_IP,
    )
