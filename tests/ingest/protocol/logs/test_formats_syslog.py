"""Syslog (RFC 5424/3164, octet counting) and Heroku logplex framing."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.protocol.logs.formats import frame
from ingest.protocol.logs.model import LogParseError

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "logs" / "formats"


def test_5424_nil_fields_bom_and_escaped_structured_data() -> None:
    line = '<11>1 2024-05-01T10:00:00.5+02:00 web-1 api - - [meta@1 note="a \\"q\\" \\] b"] \ufeffdisk full'
    fmt, (record,) = frame(line.encode(), None, content_type=None)
    assert fmt == "syslog"
    assert record.text == "disk full"
    assert record.timestamp == "2024-05-01T08:00:00.500000Z"
    assert record.meta["structured_data"] == {"meta@1": {"note": 'a "q" ] b'}}
    assert (record.meta["severity"], record.meta["level"]) == ("err", "error")
    assert "procid" not in record.meta and record.stream == "web-1/api"


def test_5424_message_starting_with_brackets_is_not_structured_data() -> None:
    _, (record,) = frame(b"<14>1 2024-05-01T10:00:00Z h app 1 - [ERROR] boom", "syslog", content_type=None)
    assert record.text == "[ERROR] boom"


@pytest.mark.parametrize(
    ("line", "host", "app", "procid", "message"),
    [
        ("<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed", "mymachine", "su", "123", "'su root' failed"),
        ("<34>Oct  1 22:14:15 su: 'su root' failed", None, "su", None, "'su root' failed"),
        ("Oct 11 22:14:15 mymachine sshd[99]: Accepted key", "mymachine", "sshd", "99", "Accepted key"),
        ("<13>2024-05-01T10:00:00Z host app: rsyslog high precision", "host", "app", None, "rsyslog high precision"),
    ],
)
def test_3164(line, host, app, procid, message) -> None:
    fmt, (record,) = frame(line.encode(), None, content_type=None)
    assert fmt == "syslog"
    assert (record.meta.get("host"), record.meta.get("app"), record.meta.get("procid"), record.text) == (
        host,
        app,
        procid,
        message,
    )
    assert record.timestamp is not None


def test_octet_counted_syslog() -> None:
    one, two = b"<13>1 - h a 1 - - first", b"<13>1 - h a 1 - - second\nline"
    body = b"%d %s%d %s" % (len(one), one, len(two), two)
    fmt, records = frame(body, "syslog", content_type=None)
    assert fmt == "syslog"
    assert [r.text for r in records] == ["first", "second\nline"]
    assert records[0].stream == "h/a/1"
    # unlabelled, octet-counted RFC 5424 is what a logplex drain sends
    assert frame(body, None, content_type=None)[0] == "logplex"


def test_heroku_drain_fixture() -> None:
    body = (FIXTURES / "heroku_drain.logplex").read_bytes()
    fmt, records = frame(body, None, content_type="application/logplex-1")
    assert fmt == "logplex"
    assert records[0].text == "State changed from starting to up"
    assert records[0].stream == "app/web.3"
    assert records[2].stream == "heroku/router"
    assert records[2].text.startswith("at=error code=H12")
    assert {r.stream for r in records[3:]} == {"app/web.1", "app/web.2"}


def test_logplex_length_past_end_is_an_error() -> None:
    with pytest.raises(LogParseError, match="claims 500 bytes"):
        frame(b"500 <13>1 - h a p - short", None, content_type="application/logplex-1")


def test_logplex_without_length_is_an_error() -> None:
    with pytest.raises(LogParseError, match="expected '<length> <syslog message>'"):
        frame(b"<13>1 - h a p - no length", "logplex", content_type=None)


def test_explicit_syslog_that_matches_nothing_is_an_error() -> None:
    with pytest.raises(LogParseError, match="body is not syslog"):
        frame(b"just text\nmore text\n", "syslog", content_type=None)
