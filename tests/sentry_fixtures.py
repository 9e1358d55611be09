"""Captured SDK envelopes (tests/fixtures/sentry/<lang>/), re-addressed to a test project.

A captured envelope may carry the recording DSN in its header; replaying it
against another project means replacing that DSN, as an SDK configured with
the new DSN would have sent it.
"""

from __future__ import annotations

from pathlib import Path

import orjson

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sentry"


def envelopes(lang: str) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted((FIXTURES / lang).glob("*.envelope"))]


def readdress(body: bytes, dsn: str) -> bytes:
    header, sep, rest = body.partition(b"\n")
    headers = orjson.loads(header)
    if "dsn" in headers:
        headers["dsn"] = dsn
    return orjson.dumps(headers) + sep + rest


def fresh_envelope(
    body: bytes, dsn: str, event_id: str, fingerprint: str | None = None, timestamp: str | None = None
) -> bytes:
    """The envelope re-addressed to ``dsn`` as a new event ``event_id`` (optionally its own issue,
    and sent at ``timestamp``, ISO 8601), as an SDK would send a new event: the id in the envelope
    header and in the event payload."""
    from ingest.protocol.envelope import parse_envelope, serialize_envelope

    envelope = parse_envelope(readdress(body, dsn))
    items = []
    for item in envelope.items:
        payload = item.payload
        if item.type == "event":
            event = orjson.loads(payload)
            event["event_id"] = event_id
            if fingerprint:
                event["fingerprint"] = [fingerprint]
            if timestamp:
                event["timestamp"] = timestamp
            payload = orjson.dumps(event)
        items.append(({k: v for k, v in item.headers.items() if k != "length"} | {"type": item.type}, payload))
    return serialize_envelope({**envelope.headers, "event_id": event_id}, items)
