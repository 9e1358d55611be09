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
