"""Plain text framing: lines as they are; nothing is ever an error."""

from __future__ import annotations

import gzip

from ingest.protocol.logs.formats import frame
from ingest.protocol.logs.formats._text import MAX_LINE_CHARS


def test_lf_and_crlf_lines_with_offsets() -> None:
    fmt, records = frame(b"one\r\ntwo\n\nthree", "plain", content_type=None)
    assert fmt == "plain"
    assert [(r.text, r.meta["offset"]) for r in records] == [("one", 0), ("two", 5), ("", 9), ("three", 10)]


def test_invalid_utf8_is_replaced() -> None:
    _, (record,) = frame(b"caf\xe9 \xff ok\n", "plain", content_type=None)
    assert record.text == "caf\ufffd \ufffd ok"


def test_a_10_mb_line_is_cut_and_flagged() -> None:
    _, records = frame(b"x" * 10_000_000 + b"\nnext\n", "plain", content_type=None)
    assert len(records[0].text) == MAX_LINE_CHARS
    assert records[0].meta["truncated"] == 10_000_000
    assert records[1].text == "next"


def test_plain_never_fails_even_on_broken_gzip() -> None:
    _, records = frame(b"\x1f\x8b\x08garbage", "plain", content_type=None)
    assert len(records) == 1


def test_gzip_body_is_inflated() -> None:
    _, records = frame(gzip.compress(b"a\nb\n"), "plain", content_type=None)
    assert [r.text for r in records] == ["a", "b"]


def test_text_plain_content_type_means_plain() -> None:
    fmt, _ = frame(b"<13>Oct 11 22:14:15 host app: hi\n", None, content_type="text/plain; charset=utf-8")
    assert fmt == "plain"


def test_utf8_bom_at_start_is_dropped() -> None:
    _, (record,) = frame(b"\xef\xbb\xbfhello\n", None, content_type=None)
    assert record.text == "hello"
