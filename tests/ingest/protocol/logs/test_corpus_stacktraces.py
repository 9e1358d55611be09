"""The shared stack-trace corpus (fluent-plugin-detect-exceptions and fluent-bit samples)
and the trace-start labels (Datadog), read from /work/shared/corpora."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ingest.protocol.logs.detect import is_trace_start
from ingest.protocol.logs.model import LogLine
from ingest.protocol.logs.multiline import assemble, events_from_blocks

CORPORA = Path(os.environ.get("ERRORHUB_CORPORA") or Path(__file__).resolve().parents[4] / ".." / "shared" / "corpora")
STACKTRACES = CORPORA / "stacktraces"
MANIFEST = STACKTRACES / "manifest.json"

if not MANIFEST.exists():  # pragma: no cover - the corpus lives beside the repository
    pytest.fail(f"corpus not found at {CORPORA} (set ERRORHUB_CORPORA)", pytrace=False)

ENTRIES = json.loads(MANIFEST.read_text())["entries"]
TRACES = [e for e in ENTRIES if e["is_trace"] and not e.get("fragment")]
NEGATIVES = [e for e in ENTRIES if not e["is_trace"]]
LABELS = [json.loads(line) for line in (CORPORA / "lines" / "trace_start_labels.jsonl").read_text().splitlines()]

# Lines the corpus labels false with a caveat (Datadog excludes them on purpose) but that
# we do treat as trace starts, because we assemble and parse those traces.
OUR_TRACE_STARTS = {"Traceback (most recent call last):", "Fatal error: Uncaught TypeError"}


def _log_lines(entry: dict) -> list[LogLine]:
    text = (STACKTRACES / entry["file"]).read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if entry.get("followed_in_test_by"):
        lines.append(entry["followed_in_test_by"].rstrip("\n"))
    return [LogLine(text=line, stream="app") for line in lines]


@pytest.mark.parametrize("entry", TRACES, ids=lambda e: e["file"])
def test_trace_is_one_block_and_one_event(entry: dict) -> None:
    blocks = list(assemble(_log_lines(entry)))
    traces = [block for block in blocks if block.is_trace]
    assert len(traces) == 1
    assert len(traces[0].lines) == entry["lines"]  # the whole file, not the follow-up line
    events = list(events_from_blocks(blocks, defaults={"project_id": 1}))
    assert len(events) == 1
    event = events[0]
    assert event["level"] == "error"
    assert event["source"].startswith("log:")
    outer = event["exception"][-1]
    if entry["exception_type"] is not None:
        assert outer["type"] == entry["exception_type"]
    if entry["message"] is not None:
        assert outer["value"] == entry["message"]
    if entry["frames"] is not None:
        assert len(outer["stacktrace"]["frames"]) == entry["frames"]
    assert len(event["exception"]) - 1 == len(entry["causes"])


@pytest.mark.parametrize("entry", TRACES, ids=lambda e: e["file"])
def test_causes_match_manifest_oldest_first(entry: dict) -> None:
    events = list(events_from_blocks(assemble(_log_lines(entry)), defaults={}))
    # The manifest lists causes in printed order (outer's cause first); the Event is oldest first.
    older = list(reversed(events[0]["exception"][:-1]))
    for cause, expected in zip(older, entry["causes"]):
        if expected.get("exception_type"):
            assert cause["type"] == expected["exception_type"]
        if expected.get("message"):
            assert cause["value"] == expected["message"]
        assert len(cause["stacktrace"]["frames"]) == expected["frames"]
        assert cause["stacktrace"].get("frames_omitted", 0) == expected.get("omitted_frames", 0)


@pytest.mark.parametrize("entry", NEGATIVES, ids=lambda e: e["file"])
def test_negative_sample_yields_no_event(entry: dict) -> None:
    blocks = list(assemble(_log_lines(entry)))
    assert not any(block.is_trace for block in blocks)
    assert list(events_from_blocks(blocks, defaults={})) == []


def test_fragment_part2_is_frames_without_header() -> None:
    entry = next(e for e in ENTRIES if e["file"] == "java/java_exc_part2.txt")
    events = list(events_from_blocks(assemble(_log_lines(entry)), defaults={}))
    assert len(events) == 1
    assert events[0]["exception"][-1]["type"] is None
    assert len(events[0]["exception"][-1]["stacktrace"]["frames"]) == entry["frames"]


@pytest.mark.parametrize("label", [lab for lab in LABELS if "caveat" not in lab], ids=lambda lab: lab["line"][:50])
def test_trace_start_labels(label: dict) -> None:
    assert is_trace_start(label["line"]) is label["is_trace_start"]


@pytest.mark.parametrize("label", [lab for lab in LABELS if "caveat" in lab], ids=lambda lab: lab["line"][:50])
def test_caveat_lines_follow_our_documented_choice(label: dict) -> None:
    assert is_trace_start(label["line"]) is (label["line"] in OUR_TRACE_STARTS)
