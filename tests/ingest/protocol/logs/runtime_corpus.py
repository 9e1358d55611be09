"""The runtime-trace corpus (``tests/fixtures/runtime_traces/``) and how its events are judged.

Each wrapped file holds several real traces among ordinary lines; ``expected.json`` says
what each program's event must be and ``wrapped/manifest.json`` which traces each file
holds and the timestamp their first line carries. ``match_traces`` pairs every expected
trace with one event (each event used once), so a trace cut in two, two traces merged or
a trace missed all show up as a named failure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3] / "fixtures" / "runtime_traces"
EXPECTED: dict[str, dict[str, Any]] = json.loads((ROOT / "programs" / "expected.json").read_text())
MANIFEST: list[dict[str, Any]] = json.loads((ROOT / "wrapped" / "manifest.json").read_text())


@dataclass(frozen=True)
class Trace:
    program: str
    timestamp: str | None  # what the wrapper stamped on the first line (3164: no year)


@dataclass(frozen=True)
class WrappedFile:
    name: str
    wrapper: str
    traces: tuple[Trace, ...]

    @property
    def body(self) -> bytes:
        return (ROOT / "wrapped" / self.name).read_bytes()


def wrapped_files(wrapper: str | None = None) -> list[WrappedFile]:
    files = [
        WrappedFile(
            entry["file"], entry["wrapper"], tuple(Trace(t["program"], t["timestamp"]) for t in entry["traces"])
        )
        for entry in MANIFEST
    ]
    return [f for f in files if wrapper is None or f.wrapper == wrapper]


def _outer(event: dict[str, Any]) -> dict[str, Any]:
    exceptions = event.get("exception") or []
    if isinstance(exceptions, dict):  # a stored event keeps the Sentry {"values": [...]} shape
        exceptions = exceptions.get("values") or []
    return exceptions[-1] if exceptions else {}


def _chain(event: dict[str, Any]) -> list[dict[str, Any]]:
    exceptions = event.get("exception") or []
    return exceptions.get("values") or [] if isinstance(exceptions, dict) else exceptions


def _names_it(event: dict[str, Any], expected: dict[str, Any]) -> bool:
    outer = _outer(event)
    value = outer.get("value") or ""
    if outer.get("type") != expected["type"]:
        return False
    if "value" in expected:
        return value == expected["value"]
    return value.startswith(expected["value_prefix"])


def problems_with(event: dict[str, Any], trace: Trace) -> list[str]:
    """What differs between an event and the trace it names (empty: the right event)."""
    expected = EXPECTED[trace.program]
    frames = (_outer(event).get("stacktrace") or {}).get("frames") or []
    found: list[str] = []
    if len(frames) != expected["frames"]:
        found.append(f"{len(frames)} frames, expected {expected['frames']}")
    if len(_chain(event)) != expected["chain"]:
        found.append(f"chain of {len(_chain(event))}, expected {expected['chain']}")
    if event.get("platform") != expected["platform"]:
        found.append(f"platform {event.get('platform')}, expected {expected['platform']}")
    stamp = str(event.get("timestamp") or "").replace("+00:00", "Z")
    if trace.timestamp is not None:
        # the trace's own second (its lines are stamped 1 ms apart); 3164 stamps carry no year
        same = stamp[5:19] == trace.timestamp[:14] if trace.timestamp[2] == "-" else stamp[:19] == trace.timestamp[:19]
        if not same:
            found.append(f"timestamp {stamp}, expected the second of {trace.timestamp}")
    return found


def match_traces(events: list[dict[str, Any]], traces: tuple[Trace, ...]) -> tuple[dict[str, list[str]], int]:
    """Per program: its problems (``["missing"]`` when no event names it); and how many
    exception events were left over (pieces of cut or extra traces)."""
    unused = [event for event in events if _outer(event)]
    report: dict[str, list[str]] = {}
    for trace in traces:
        expected = EXPECTED[trace.program]
        candidates = [e for e in unused if _names_it(e, expected)]
        # two programs may raise the same error (the same script run two ways): the one
        # that fits in every respect is this trace's
        event = next((e for e in candidates if not problems_with(e, trace)), candidates[0] if candidates else None)
        if event is None:
            report[trace.program] = ["missing"]
            continue
        unused.remove(event)
        report[trace.program] = problems_with(event, trace)
    return report, len(unused)
