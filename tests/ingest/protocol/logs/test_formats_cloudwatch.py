"""CloudWatch Logs subscription payloads in every wrapper we accept."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from ingest.protocol.logs.formats import frame
from ingest.protocol.logs.model import LogParseError

MESSAGE = {
    "messageType": "DATA_MESSAGE",
    "owner": "123456789012",
    "logGroup": "/aws/lambda/checkout",
    "logStream": "2024/05/01/[$LATEST]abc",
    "subscriptionFilters": ["errorhub"],
    "logEvents": [
        {"id": "1", "timestamp": 1714557600000, "message": "START RequestId: r1\n"},
        {
            "id": "2",
            "timestamp": 1714557600001,
            "message": "[ERROR] KeyError: 'sku'\nTraceback (most recent call last):\n"
            '  File "/var/task/app.py", line 4, in handler\n',
        },
    ],
}
CONTROL = {
    "messageType": "CONTROL_MESSAGE",
    "owner": "CloudwatchLogs",
    "logGroup": "",
    "logStream": "",
    "subscriptionFilters": [],
    "logEvents": [{"id": "", "timestamp": 1, "message": "CWL CONTROL MESSAGE"}],
}


def _b64gz(value) -> str:
    return base64.b64encode(gzip.compress(json.dumps(value).encode())).decode()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(_b64gz(MESSAGE).encode(), id="base64-gzip"),
        pytest.param(json.dumps({"awslogs": {"data": _b64gz(MESSAGE)}}).encode(), id="lambda-event"),
        pytest.param(
            json.dumps(
                {"requestId": "x", "timestamp": 1, "records": [{"data": _b64gz(MESSAGE)}, {"data": _b64gz(CONTROL)}]}
            ).encode(),
            id="firehose",
        ),
        pytest.param(
            json.dumps(
                {"records": [{"data": base64.b64encode((json.dumps(MESSAGE) + json.dumps(CONTROL)).encode()).decode()}]}
            ).encode(),
            id="firehose-decompressed",
        ),
    ],
)
def test_wrappers(body: bytes) -> None:
    fmt, records = frame(body, None, content_type="application/json")
    assert fmt == "cloudwatch"
    assert [r.text for r in records] == ["START RequestId: r1", MESSAGE["logEvents"][1]["message"].rstrip("\n")]
    assert records[1].stream == "/aws/lambda/checkout/2024/05/01/[$LATEST]abc"
    assert records[1].timestamp == "2024-05-01T10:00:00.001000Z"
    assert records[1].meta["id"] == "2"


def test_control_message_is_dropped() -> None:
    assert frame(json.dumps(CONTROL).encode(), "cloudwatch", content_type=None)[1] == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"not base64 !!!", "invalid base64"),
        (json.dumps({"records": [{"data": "%%%"}]}).encode(), r"records\[0\]\.data: invalid base64"),
        (b'{"hello": "world"}', "not a CloudWatch Logs subscription message"),
        (base64.b64encode(b"\x1f\x8b\x08\x00garbage"), "invalid gzip"),
        (json.dumps({"messageType": "DATA_MESSAGE", "logEvents": [{"id": "1"}]}).encode(), "no message string"),
    ],
)
def test_bad_payloads_say_what_is_wrong(body: bytes, error: str) -> None:
    with pytest.raises(LogParseError, match=error):
        frame(body, "cloudwatch", content_type=None)


def test_gzip_bomb_is_refused(monkeypatch) -> None:
    from ingest.protocol.logs.formats import _text

    monkeypatch.setattr(_text, "MAX_INFLATED_BYTES", 1000)
    monkeypatch.setattr(_text.gunzip, "__kwdefaults__", {"limit": 1000})
    with pytest.raises(LogParseError, match="expands past"):
        frame(gzip.compress(b"x" * 100_000), "cloudwatch", content_type=None)
