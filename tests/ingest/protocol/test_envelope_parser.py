"""Envelope parsing: real SDK envelopes, byte-exact edge cases, and every error path."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ingest.protocol.envelope import (
    Envelope,
    EnvelopeError,
    Item,
    event_id_from,
    normalize_event_id,
    parse_envelope,
    parse_event_json,
    serialize_envelope,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sentry" / "python"
EVENT_ID = "9ec79c33ec9942ab8353589fcb2e04dc"
ATTACHMENT = b"line one\nline two\x00\x00binary\n\r\n\xff\xfe"


# --- real payloads -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["message_event", "chained_exception"])
def test_real_python_sdk_envelope_parses(name: str) -> None:
    envelope = parse_envelope((FIXTURES / f"{name}.envelope").read_bytes())
    assert [item.type for item in envelope.items] == ["event"]
    event = parse_event_json(envelope.items[0].payload)
    assert event["platform"] == "python"
    assert event_id_from(envelope, envelope.items[0]) == envelope.headers["event_id"]


def test_chained_exception_fixture_keeps_the_cause_first() -> None:
    envelope = parse_envelope((FIXTURES / "chained_exception.envelope").read_bytes())
    values = parse_event_json(envelope.items[0].payload)["exception"]["values"]
    assert len(values) >= 2


def test_serialized_envelope_round_trips() -> None:
    event = {"event_id": EVENT_ID, "message": "boom", "level": "error"}
    data = serialize_envelope(
        {"event_id": EVENT_ID, "sent_at": "2026-01-01T00:00:00Z"},
        [({"type": "event"}, event), ({"type": "attachment", "filename": "dump.bin"}, ATTACHMENT)],
    )
    envelope = parse_envelope(data)
    assert envelope.headers["event_id"] == EVENT_ID
    assert parse_event_json(envelope.items[0].payload) == event
    assert envelope.items[1].payload == ATTACHMENT
    assert envelope.items[1].headers["filename"] == "dump.bin"
    assert parse_envelope(serialize_envelope(envelope.headers, envelope.items)).items == envelope.items


# --- byte-exact samples --------------------------------------------------------------


def test_item_with_length_is_binary_safe() -> None:
    data = b'{}\n{"type":"attachment","length":%d}\n%s\n' % (len(ATTACHMENT), ATTACHMENT)
    (item,) = parse_envelope(data).items
    assert item.payload == ATTACHMENT
    assert item.size == len(ATTACHMENT)


def test_item_without_length_runs_to_the_newline() -> None:
    data = b'{}\n{"type":"event"}\n{"message":"hi"}\n{"type":"session"}\n{"sid":"x"}\n'
    envelope = parse_envelope(data)
    assert [(i.type, i.payload) for i in envelope.items] == [
        ("event", b'{"message":"hi"}'),
        ("session", b'{"sid":"x"}'),
    ]


def test_trailing_newline_is_optional() -> None:
    with_length = b'{}\n{"type":"attachment","length":3}\nabc'
    without_length = b'{}\n{"type":"event"}\n{"a":1}'
    assert parse_envelope(with_length).items[0].payload == b"abc"
    assert parse_envelope(without_length).items[0].payload == b'{"a":1}'


def test_empty_envelope_header_and_no_items() -> None:
    assert parse_envelope(b"{}") == Envelope(headers={}, items=[])
    assert parse_envelope(b"{}\n") == Envelope(headers={}, items=[])


def test_blank_lines_at_the_end_are_tolerated() -> None:
    data = b'{}\n{"type":"attachment","length":2}\nab\n\n\r\n\n'
    assert [i.payload for i in parse_envelope(data).items] == [b"ab"]


def test_zero_length_and_empty_payloads() -> None:
    data = b'{}\n{"type":"attachment","length":0}\n\n{"type":"event"}\n\n{"type":"client_report"}'
    envelope = parse_envelope(data)
    assert [(i.type, i.payload) for i in envelope.items] == [
        ("attachment", b""),
        ("event", b""),
        ("client_report", b""),
    ]


def test_length_payload_may_contain_something_that_looks_like_an_item() -> None:
    inner = b'x\n{"type":"event"}\n{}'
    data = b'{}\n{"type":"attachment","length":%d}\n%s\n' % (len(inner), inner)
    (item,) = parse_envelope(data).items
    assert item.payload == inner


def test_unknown_item_types_are_kept() -> None:
    (item,) = parse_envelope(b'{}\n{"type":"future_thing","length":1}\nx').items
    assert item.type == "future_thing"


# --- per-item size limit -------------------------------------------------------------


def test_oversize_item_is_marked_and_others_are_kept() -> None:
    data = serialize_envelope({}, [({"type": "attachment"}, b"a" * 50), ({"type": "event"}, {"message": "small"})])
    envelope = parse_envelope(data, max_item_size=40)
    big, small = envelope.items
    assert (big.too_large, big.size, big.payload) == (True, 50, b"")
    assert not small.too_large and parse_event_json(small.payload) == {"message": "small"}


def test_per_type_limits_with_a_fallback() -> None:
    data = serialize_envelope({}, [({"type": "attachment"}, b"a" * 50), ({"type": "event"}, b"b" * 50)])
    items = parse_envelope(data, max_item_size={"attachment": 100, "*": 10}).items
    assert [i.too_large for i in items] == [False, True]
    items = parse_envelope(data, max_item_size={"event": 10}).items  # no "*": others unlimited
    assert [i.too_large for i in items] == [False, True]


def test_item_without_length_is_size_checked_too() -> None:
    (item,) = parse_envelope(b'{}\n{"type":"event"}\n' + b"x" * 100, max_item_size=99).items
    assert item.too_large and item.size == 100


def test_too_many_items_is_an_error() -> None:
    data = b"{}\n" + b'{"type":"x","length":0}\n\n' * 11
    with pytest.raises(EnvelopeError, match="more than 10 items"):
        parse_envelope(data, max_items=10)


# --- error paths ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "envelope is empty"),
        (b"\n\n  \n", "envelope is empty"),
        (b"\n{}", "envelope header is empty"),
        (b"{not json}\n", "envelope header is not valid JSON"),
        (b"[1,2]\n", "envelope header must be a JSON object, got list"),
        (b'"x"\n', "envelope header must be a JSON object, got string"),
        (b'{"a":"\xff"}\n', "envelope header is not valid UTF-8 \\(byte 6\\)"),
        (b"{}\n{\n{}", "item 1 header is not valid JSON"),
        (b"{}\nnull\n", "item 1 header must be a JSON object, got null"),
        (b'{}\n{"length":0}\n', 'item 1: header has no "type" string'),
        (b'{}\n{"type":3}\n', 'item 1: header has no "type" string'),
        (b'{}\n{"type":""}\n', 'item 1: header has no "type" string'),
        (b'{}\n{"type":"a","length":-1}\n', "item 1: length must be a non-negative integer, got -1"),
        (b'{}\n{"type":"a","length":"3"}\nabc', "item 1: length must be a non-negative integer, got '3'"),
        (b'{}\n{"type":"a","length":1.5}\nabc', "item 1: length must be a non-negative integer"),
        (b'{}\n{"type":"a","length":true}\nabc', "item 1: length must be a non-negative integer"),
        (b'{}\n{"type":"a","length":2}\nabc\n', "item 1: expected a newline after the 2-byte payload, found b'c'"),
    ],
)
def test_malformed_envelopes_say_what_and_where(data: bytes, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        parse_envelope(data)


def test_length_past_the_end_reports_the_bytes_left() -> None:
    data = b'{}\n{"type":"event","length":1}\na\n{"type":"attachment","length":500}\n' + b"x" * 120
    with pytest.raises(EnvelopeError) as info:
        parse_envelope(data)
    assert info.value.message == "item 2: length 500 runs past the end of the envelope (120 bytes left)"


def test_truncated_envelope_is_an_error() -> None:
    data = serialize_envelope({}, [({"type": "attachment"}, ATTACHMENT)])
    for cut in range(len(data) - len(ATTACHMENT) - 1, len(data) - 1):
        with pytest.raises(EnvelopeError):
            parse_envelope(data[:cut])


def test_deeply_nested_header_is_rejected_cleanly() -> None:
    with pytest.raises(EnvelopeError, match="nested deeper"):
        parse_envelope(b'{"a":' + b"[" * 10_000 + b"]" * 10_000 + b"}\n")


def test_envelope_error_is_a_value_error_with_a_message() -> None:
    error = EnvelopeError("item 1: boom")
    assert isinstance(error, ValueError)
    assert error.message == str(error) == "item 1: boom"


# --- event payloads ------------------------------------------------------------------


def test_event_json_must_be_an_object() -> None:
    with pytest.raises(EnvelopeError, match="^event payload must be a JSON object, got list$"):
        parse_event_json(b"[1, 2]")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "event payload is empty"),
        (b"{", "event payload is not valid JSON"),
        (b'{"message":"caf\xc3"}', "event payload is not valid UTF-8 \\(byte 15\\)"),
        (b'{"message":"\xed\xa0\x80"}', "event payload is not valid UTF-8"),
        (b"null", "got null"),
        (b"42", "got number"),
    ],
)
def test_bad_event_json(payload: bytes, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        parse_event_json(payload)


@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
def test_ten_thousand_deep_json_is_rejected_cleanly(opener: bytes) -> None:
    closer = b"]" if opener == b"[" else b"}"
    payload = b'{"x":' + opener * 10_000 + b"1" + closer * 10_000 + b"}"
    with pytest.raises(EnvelopeError, match="event payload is nested deeper than 128 levels"):
        parse_event_json(payload)


def test_depth_limit_is_exact() -> None:
    def nested(levels: int) -> bytes:
        return b"[" * (levels - 1) + b"{}" + b"]" * (levels - 1)

    assert parse_event_json(b'{"a":' + nested(4) + b"}", max_depth=5)
    with pytest.raises(EnvelopeError, match="deeper than 5 levels"):
        parse_event_json(b'{"a":' + nested(5) + b"}", max_depth=5)


def test_deep_but_wide_event_is_fine() -> None:
    event = {"extra": {f"k{i}": {"a": {"b": [1, 2, {"c": i}]}} for i in range(5000)}}
    assert parse_event_json(orjson.dumps(event)) == event


# --- event ids -----------------------------------------------------------------------


def test_event_id_prefers_the_envelope_header() -> None:
    envelope = Envelope(headers={"event_id": EVENT_ID.upper()}, items=[])
    item = Item(headers={}, type="event", payload=b'{"event_id":"ffffffffffffffffffffffffffffffff"}')
    assert event_id_from(envelope, item) == EVENT_ID


def test_event_id_falls_back_to_the_payload_and_accepts_dashes() -> None:
    dashed = "9ec79c33-ec99-42ab-8353-589fcb2e04dc"
    item = Item(headers={}, type="event", payload=orjson.dumps({"event_id": dashed}))
    assert event_id_from(Envelope(headers={}, items=[item]), item) == EVENT_ID
    assert event_id_from(Envelope(headers={}, items=[]), None, {"event_id": dashed}) == EVENT_ID


def test_event_id_absent_or_nil_is_none() -> None:
    item = Item(headers={}, type="event", payload=b'{"message":"x"}')
    assert event_id_from(Envelope(headers={}, items=[item]), item) is None
    assert event_id_from(Envelope(headers={"event_id": "0" * 32}, items=[]), item) is None
    attachment = Item(headers={}, type="attachment", payload=b"\x00binary")
    assert event_id_from(Envelope(headers={}, items=[]), attachment) is None


@pytest.mark.parametrize(
    "value",
    ["xyz", "9ec79c33ec9942ab8353589fcb2e04d", "9ec79c33-ec99-42ab-8353589fcb2e04dc", "g" * 32, 12, ["a"]],
)
def test_malformed_event_ids_are_errors(value: object) -> None:
    with pytest.raises(EnvelopeError, match="event_id"):
        event_id_from(Envelope(headers={"event_id": value}, items=[]))


def test_normalize_event_id_strips_and_lowercases() -> None:
    assert normalize_event_id(f" {EVENT_ID.upper()} ") == EVENT_ID


# --- serializer ----------------------------------------------------------------------


def test_serializer_without_length_refuses_payloads_with_newlines() -> None:
    assert serialize_envelope({}, [({"type": "event"}, b"{}")], with_length=False) == b'{}\n{"type":"event"}\n{}\n'
    with pytest.raises(ValueError, match="newline"):
        serialize_envelope({}, [({"type": "attachment"}, b"a\nb")], with_length=False)


def test_serializer_needs_an_item_type() -> None:
    with pytest.raises(ValueError, match="type"):
        serialize_envelope({}, [({}, b"x")])
