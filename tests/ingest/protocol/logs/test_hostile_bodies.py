"""Bad input read with no hint: binary garbage, a 10 MB line, a wrapper line cut in half,
a container piece chain or a trace that never ends. Each has a bounded cost and a clear
outcome, and the good trace beside it in the same body still becomes its event."""

from __future__ import annotations

import json
import random
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from errorhub.issues.models import Issue
from ingest.protocol.logs.formats import frame
from ingest.protocol.logs.formats._text import MAX_LINE_CHARS
from ingest.protocol.logs.multiline import Assembler
from ingest.protocol.logs.pipeline import extract
from tests.ingest.protocol.logs.runtime_corpus import ROOT

GOOD = (ROOT / "recorded" / "python" / "chained_cause.txt").read_text().splitlines()


def _docker(lines: list[str], stream: str = "stderr", second: int = 40) -> bytes:
    return b"".join(
        json.dumps({"log": line + "\n", "stream": stream, "time": f"2024-05-17T09:12:{second}.{i:06d}Z"}).encode()
        + b"\n"
        for i, line in enumerate(lines)
    )


def _good_events(body: bytes) -> list[dict[str, Any]]:
    events = extract(body, fmt=None, content_type=None, defaults={"project_id": 1}).events
    return [e for e in events if e.get("exception") and e["exception"][-1]["type"] == "ConfigError"]


def _peak(work: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_binary_garbage_is_plain_text_and_the_trace_after_it_is_found() -> None:
    garbage = bytes(random.Random(20).randrange(256) for _ in range(200_000))
    body = garbage + b"\n" + _docker(GOOD)
    name, records = frame(body, None, content_type=None)
    assert name in ("plain", "docker")
    assert all(len(record.text) <= MAX_LINE_CHARS for record in records)
    [event] = _good_events(body)
    assert event["timestamp"].startswith("2024-05-17T09:12:40")


def test_a_10_mb_line_is_cut_and_costs_a_bounded_amount_of_memory() -> None:
    body = b"2024-05-17T09:12:33.1Z stderr F " + b"x" * (10 * 1024 * 1024) + b"\n" + _docker(GOOD)
    records = frame(body, None, content_type=None)[1]
    assert records[0].meta["truncated"] == 10 * 1024 * 1024 and len(records[0].text) == MAX_LINE_CHARS
    assert len(_good_events(body)) == 1
    assert _peak(lambda: extract(body, fmt=None, content_type=None, defaults={})) < 6 * len(body)


def test_a_docker_line_cut_in_half_keeps_what_it_holds_and_its_neighbours() -> None:
    whole = _docker(GOOD)
    cut = _docker(["panic: runtime error: index out of range [3] with length 2"])[:60]
    records = frame(whole + cut, None, content_type=None)[1]
    assert records[-1].text == "panic: runtime error: index out of range [3] with l"
    assert records[-1].source == "plain"
    assert len(_good_events(whole + cut)) == 1


def test_a_cri_piece_chain_that_never_ends_is_one_bounded_record() -> None:
    piece = "y" * 16384
    body = "".join(f"2024-05-17T09:12:33.{i:06d}Z stdout P {piece}\n" for i in range(400)).encode()
    [record] = [r for r in frame(body + _docker(GOOD), None, content_type=None)[1] if r.source == "cri"]
    assert len(record.text) <= MAX_LINE_CHARS + len(piece)
    assert record.meta["truncated"] == 400 * len(piece) and record.meta["eol"] is False
    assert len(_good_events(body + _docker(GOOD))) == 1


def test_a_trace_that_never_ends_is_cut_and_does_not_stall_another_writers_trace() -> None:
    endless = ['Exception in thread "main" java.lang.StackOverflowError'] + [
        "\tat com.acme.Tree.walk(Tree.java:12)"
    ] * 60_000
    lines = [f"2024-05-17T09:12:33.{i % 1000:03d}+00:00 web-1 java[77]: {line}" for i, line in enumerate(endless)]
    good = [f"2024-05-17T09:12:33.500+00:00 web-1 python[88]: {line}" for line in GOOD]
    body = "\n".join(lines[:30_000] + good + lines[30_000:]).encode() + b"\n"
    events = extract(body, fmt=None, content_type=None, defaults={}).events
    overflow = [e for e in events if e["exception"][-1]["type"] == "java.lang.StackOverflowError"]
    assert len(overflow) == 1
    assert len(overflow[0]["exception"][-1]["stacktrace"]["frames"]) < Assembler().max_lines
    assert len(_good_events(body)) == 1


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_through_the_door_a_hostile_body_is_accepted_and_its_good_trace_stored(client: Any, world: Any) -> None:
    garbage = bytes(random.Random(21).randrange(256) for _ in range(50_000))
    cut = _docker(["panic: runtime error: index out of range [3] with length 2"])[:60]
    body = garbage + b"\n" + b"z" * (2 * 1024 * 1024) + b"\n" + _docker(GOOD) + cut
    response = client.generic(
        "POST", f"/api/{world.project.pk}/logs/?sentry_key={world.key.public_key}", body, content_type=""
    )
    assert response.status_code == 200, response.content
    titles = list(Issue.objects.filter(project=world.project).values_list("title", flat=True))
    assert any(title.startswith("ConfigError: invalid port '80a'") for title in titles), titles
