"""Tests of the log-ingest parsers (pure functions, no Django)."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.protocol.logs.model import LogLine
from ingest.protocol.logs.multiline import assemble, events_from_blocks

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "logs"


def trace_fixtures(language_dir: str) -> list[Path]:
    """The captured ``<name>.txt`` traces of one ``tests/fixtures/logs/<dir>``."""
    return sorted((FIXTURES / language_dir).glob("*.txt"))


def check_trace_fixture(path: Path) -> None:
    """Assemble the captured output; exactly one trace must come out, as expected.json says."""
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines[-1] == "":
        lines.pop()
    blocks = list(assemble(LogLine(text=line, stream="stderr") for line in lines))
    traces = [block for block in blocks if block.is_trace]
    assert len(traces) == 1
    assert len(traces[0].lines) == expected["trace_lines"]
    events = list(events_from_blocks(blocks, defaults={"project_id": 1}))
    assert len(events) == 1
    event = events[0]
    assert event["source"] == f"log:{expected['language']}"
    outer = event["exception"][-1]
    assert outer["type"] == expected["type"]
    assert outer["value"] == expected["value"]
    assert [exc["type"] for exc in event["exception"][:-1]] == expected["causes"]
    frames = outer["stacktrace"]["frames"]
    assert len(frames) == expected["frames"]
    assert (frames[-1]["function"] if frames else None) == expected["function"]
    for exc in event["exception"]:
        assert exc["mechanism"] == {"type": "log", "handled": None}
        assert all(frame["in_app"] is None for frame in exc["stacktrace"]["frames"])
