"""CRI and Docker json-file: partial pieces joined per runtime and stream."""

from __future__ import annotations

from ingest.protocol.logs.formats import frame


def test_cri_partials_interleaved_by_stream() -> None:
    body = b"2024-01-01T00:00:00Z stdout P a\n2024-01-01T00:00:01Z stderr F err line\n2024-01-01T00:00:02Z stdout F b\n"
    fmt, records = frame(body, None, content_type=None)
    assert fmt == "cri"
    assert [(r.stream, r.text, r.timestamp) for r in records] == [
        ("stderr", "err line", "2024-01-01T00:00:01Z"),
        ("stdout", "ab", "2024-01-01T00:00:00Z"),
    ]


def test_cri_empty_message_and_partial_at_end() -> None:
    _, records = frame(b"2024-01-01T00:00:00Z stdout F\n2024-01-01T00:00:00Z stdout P cut", "cri", content_type=None)
    assert [(r.text, r.meta["eol"]) for r in records] == [("", True), ("cut", False)]


def test_docker_pieces_and_crlf() -> None:
    body = (
        b'{"log":"long ","stream":"stdout","time":"2024-01-01T00:00:00.5Z"}\n'
        b'{"log":"line\\r\\n","stream":"stdout","time":"2024-01-01T00:00:01Z"}\n'
    )
    fmt, (record,) = frame(body, None, content_type=None)
    assert fmt == "docker"
    assert (record.text, record.timestamp, record.meta["eol"]) == ("long line", "2024-01-01T00:00:00.500000Z", True)
