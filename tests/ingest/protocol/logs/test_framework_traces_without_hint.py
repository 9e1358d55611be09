"""Framework shapes the recorded corpus cannot hold (no .NET runtime here, older or newer
runtime versions, a framework's own log line before the trace), each wrapped as plain text,
CRI and Docker json-file and read with no hint: exactly one right event each."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ingest.protocol.logs.pipeline import extract
from tests.ingest.protocol.logs.runtime_corpus import ROOT

HANDWRITTEN = ROOT / "handwritten"
EXPECTED: dict[str, dict[str, Any]] = json.loads((HANDWRITTEN / "expected.json").read_text())


def _plain(lines: list[str]) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode()


def _cri(lines: list[str]) -> bytes:
    return "".join(f"2025-03-14T15:03:06.{i:06d}123Z stderr F {line}\n" for i, line in enumerate(lines)).encode()


def _docker(lines: list[str]) -> bytes:
    return "".join(
        json.dumps({"log": f"{line}\n", "stream": "stderr", "time": f"2025-03-14T15:03:06.{i:06d}123Z"}) + "\n"
        for i, line in enumerate(lines)
    ).encode()


WRAPS = {"plain": _plain, "cri": _cri, "docker": _docker}


@pytest.mark.parametrize("wrap", sorted(WRAPS))
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_one_right_event(name: str, wrap: str) -> None:
    lines = (HANDWRITTEN / f"{name}.txt").read_text().splitlines()
    events = [
        e for e in extract(WRAPS[wrap](lines), fmt=None, content_type=None, defaults={}).events if e.get("exception")
    ]
    assert len(events) == 1
    [event] = events
    expected, outer = EXPECTED[name], event["exception"][-1]
    assert (
        outer["type"],
        outer["value"],
        len(outer["stacktrace"]["frames"]),
        len(event["exception"]),
        event["platform"],
    ) == (expected["type"], expected["value"], expected["frames"], expected["chain"], expected["platform"])
    if wrap != "plain":
        assert event["timestamp"].startswith("2025-03-14T15:03:06")
