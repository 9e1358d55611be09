"""CloudWatch Logs subscription payloads.

CloudWatch Logs cannot POST to an arbitrary URL; a subscription filter delivers to
Kinesis, Firehose or Lambda. What reaches ErrorHub is one of:

- the subscription message itself: gzip bytes, or their base64 (``H4sI...``), or the
  decoded JSON ``{"messageType": "DATA_MESSAGE", "logGroup", "logStream",
  "logEvents": [{"id", "timestamp", "message"}]}`` (a Lambda forwarder);
- the Lambda event shape ``{"awslogs": {"data": "<base64 gzip>"}}``;
- a Firehose HTTP endpoint request ``{"requestId", "records": [{"data": "<base64>"}]}``
  whose data is a gzip'd subscription message, or (with Firehose decompression)
  the JSON, possibly several concatenated.

``CONTROL_MESSAGE`` (sent when the subscription is created) carries no logs and is
dropped. Stream = ``logGroup/logStream``; each event keeps its CloudWatch ``id``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from typing import Any

from ingest.protocol.limits import MAX_JSON_DEPTH, deeper_than
from ingest.protocol.logs.formats._text import BoundedRecords, InflateBudget, bound, decode
from ingest.protocol.logs.formats.timestamps import from_epoch
from ingest.protocol.logs.model import LogLine, LogParseError

_DECODER = json.JSONDecoder()
# A Lambda event or Firehose record list around a message, a list around those: real
# deliveries nest two or three wrappers; gzip'd base64 inside gzip'd base64 can nest forever.
_MAX_WRAPPING = 4


def _b64(text: Any, where: str) -> bytes:
    if not isinstance(text, (str, bytes)):
        raise LogParseError(f"{where}: expected a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise LogParseError(f"{where}: invalid base64 ({error})") from None


def _json_values(data: bytes, where: str) -> Iterator[Any]:
    """Successive JSON values (NDJSON or concatenated ``{..}{..}``), each nested at most
    ``MAX_JSON_DEPTH`` deep."""
    text, pos = decode(data), 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            return
        try:
            value, pos = _DECODER.raw_decode(text, pos)
            too_deep = deeper_than(value)
        except ValueError as error:
            raise LogParseError(f"{where}: not JSON ({error.args[0]})") from None
        except RecursionError:  # the stdlib decoder recurses per level; it stops cleanly at the limit
            too_deep = True
        if too_deep:
            raise LogParseError(f"{where}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
        yield value


def _decode_body(body: bytes, budget: InflateBudget) -> bytes:
    data = budget.inflate_layers(body.strip())
    if data[:1] in (b"{", b"["):
        return data
    return budget.inflate_layers(_b64(b"".join(data.split()), "CloudWatch body"))


def _messages(value: Any, where: str, budget: InflateBudget, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Subscription messages inside any accepted wrapper (wrappers nest ``_MAX_WRAPPING`` deep at most)."""
    if depth > _MAX_WRAPPING:
        raise LogParseError(f"{where}: CloudWatch wrappers nested more than {_MAX_WRAPPING} deep")
    if isinstance(value, list):
        for item in value:
            yield from _messages(item, where, budget, depth + 1)
        return
    if not isinstance(value, dict):
        raise LogParseError(f"{where}: expected a JSON object")
    if "messageType" in value or "logEvents" in value:
        yield value
    elif isinstance(value.get("awslogs"), dict):
        data = budget.inflate_layers(_b64(value["awslogs"].get("data"), f"{where}: awslogs.data"))
        for inner in _json_values(data, f"{where}: awslogs.data"):
            yield from _messages(inner, where, budget, depth + 1)
    elif isinstance(value.get("records"), list):
        for index, record in enumerate(value["records"]):
            label = f"{where}: records[{index}].data"
            data = budget.inflate_layers(_b64(record.get("data") if isinstance(record, dict) else None, label))
            for inner in _json_values(data, label):
                yield from _messages(inner, label, budget, depth + 1)
    else:
        raise LogParseError(
            f"{where}: not a CloudWatch Logs subscription message "
            "(expected messageType/logEvents, awslogs.data or a Firehose records[] list)"
        )


def _events(message: dict[str, Any], first_offset: int) -> list[LogLine]:
    if message.get("messageType") == "CONTROL_MESSAGE":
        return []
    group, stream = str(message.get("logGroup") or ""), str(message.get("logStream") or "")
    events = message.get("logEvents")
    if not isinstance(events, list):
        raise LogParseError("CloudWatch DATA_MESSAGE without a logEvents list")
    records = BoundedRecords()
    for index, event in enumerate(events):
        if not isinstance(event, dict) or not isinstance(event.get("message"), str):
            raise LogParseError(f"CloudWatch logEvents[{index}] has no message string")
        meta: dict[str, Any] = {
            "offset": first_offset + index,
            "log_group": group,
            "log_stream": stream,
            "owner": message.get("owner"),
        }
        if event.get("id") is not None:
            meta["id"] = str(event["id"])
        moment = event.get("timestamp")
        text = event["message"].rstrip("\n")
        records.append(
            LogLine(
                text=bound(text, meta),
                stream=f"{group}/{stream}",
                source="cloudwatch",
                meta=meta,
                timestamp=from_epoch(moment) if isinstance(moment, (int, float)) else None,
            )
        )
    return records


def frame_cloudwatch(body: bytes, budget: InflateBudget | None = None) -> list[LogLine]:
    """Any accepted CloudWatch delivery -> one record per log event.

    All the gzip in the body — the body itself and every record's data — inflates
    within one ``budget``.
    """
    budget = budget or InflateBudget()
    records: list[LogLine] = BoundedRecords()
    for value in _json_values(_decode_body(body, budget), "CloudWatch body"):
        for message in _messages(value, "CloudWatch body", budget):
            records.extend(_events(message, len(records)))
    return records
