"""logfmt parsing and logfmt error lines."""

from __future__ import annotations

from ingest.protocol.logs.structured import event_from_record, looks_like_logfmt, parse_logfmt


def test_quoted_values_escapes_and_flags() -> None:
    assert parse_logfmt('level=error msg="say \\"hi\\"\\nnow" flag empty= path=/a=b') == {
        "level": "error",
        "msg": 'say "hi"\nnow',
        "flag": True,
        "empty": "",
        "path": "/a=b",
    }


def test_unterminated_quote_takes_the_rest() -> None:
    assert parse_logfmt('a=1 msg="never closed') == {"a": "1", "msg": "never closed"}


def test_go_slog_error_line_becomes_an_event() -> None:
    line = (
        'time=2024-05-01T10:00:00.000Z level=ERROR msg="payment failed" order=991 err="stripe: card_declined" '
        "trace_id=abc123"
    )
    assert looks_like_logfmt(line)
    event = event_from_record(parse_logfmt(line), defaults={})
    assert event["level"] == "error"
    assert event["message"] == "payment failed"
    assert event["exception"] == [{"type": None, "value": "stripe: card_declined"}]
    assert event["trace_id"] == "abc123"
    assert event["timestamp"] == "2024-05-01T10:00:00Z"
    assert event["extra"]["order"] == "991"


def test_prose_with_an_equals_sign_is_not_logfmt() -> None:
    assert not looks_like_logfmt("we set x=1 because the docs say so")
    assert not looks_like_logfmt("2024-05-01 ERROR a=b")
