"""A format the client names wins over detection; ``journald`` can be named too."""

from __future__ import annotations

import pytest

from ingest.protocol.logs.formats import frame
from ingest.protocol.logs.model import LogParseError
from tests.ingest.protocol.logs.runtime_corpus import ROOT

JOURNAL = (ROOT / "wrapped" / "journald" / "go.log").read_bytes()


@pytest.mark.parametrize("name", ["journald", "journalctl", None])
def test_journald_named_or_detected_gives_the_same_records(name: str | None) -> None:
    used, records = frame(JOURNAL, name, content_type=None)
    assert used == "journald"
    panic = next(r for r in records if r.text.startswith("panic: "))
    assert (panic.stream, panic.timestamp) == ("web-1/go.service/go/4000", "2024-05-17T09:35:53.123456Z")


def test_naming_journald_for_a_body_that_is_not_is_a_400() -> None:
    with pytest.raises(LogParseError) as refused:
        frame(b"just text\n", "journald", content_type=None)
    assert refused.value.status == 400 and "not journald" in str(refused.value)


def test_named_plain_keeps_the_wrapper_as_text() -> None:
    used, records = frame(JOURNAL, "plain", content_type=None)
    assert used == "plain" and records[0].text.startswith('{"__CURSOR"')
