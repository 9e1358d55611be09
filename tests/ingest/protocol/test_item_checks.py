"""``check_item`` accepts what real SDKs send and names the field of what they cannot have sent.

The accepted shapes are those the SDKs write (sentry-python 2.x, @sentry/browser 8/9,
sentry-java 7): a false rejection would drop real data, so each is pinned here.
"""

from __future__ import annotations

import orjson
import pytest

from ingest.protocol.envelope import Item
from ingest.protocol.item_checks import ItemRejected, check_item, check_items

REAL = {
    "sessions (sentry-python)": (
        "sessions",
        {
            "attrs": {"release": "shop@2.0.1", "environment": "production"},
            "aggregates": [{"started": "2026-11-26T10:15:00+00:00", "exited": 12, "errored": 1}],
        },
    ),
    "session (@sentry/browser)": (
        "session",
        {
            "sid": "7c4cbd7ec0d44ca1b7b1d2e5d1b8a6a1",
            "init": True,
            "started": "2026-11-26T10:15:00.123Z",
            "timestamp": "2026-11-26T10:15:02.500Z",
            "status": "ok",
            "errors": 0,
            "duration": 2.377,
            "attrs": {"release": "shop@2.0.1", "environment": "production", "user_agent": "Mozilla/5.0"},
        },
    ),
    "client_report (@sentry/browser)": (
        "client_report",
        {
            "timestamp": 1764152100.123,
            "discarded_events": [
                {"reason": "before_send", "category": "error", "quantity": 2},
                {"reason": "sample_rate", "category": "transaction", "quantity": 40},
            ],
        },
    ),
    "check_in (sentry-python)": (
        "check_in",
        {
            "check_in_id": "b1f6c2a5e8d94f3c9a7e6d5c4b3a2f1e",
            "monitor_slug": "nightly-export",
            "status": "in_progress",
            "environment": "production",
            "monitor_config": {"schedule": {"type": "crontab", "value": "0 3 * * *"}},
            "contexts": {"trace": {"trace_id": "0af7651916cd43dd8448eb211c80319c"}},
        },
    ),
    "log (sentry-python)": (
        "log",
        {
            "items": [
                {
                    "timestamp": 1764152100.5,
                    "trace_id": "0af7651916cd43dd8448eb211c80319c",
                    "level": "warn",
                    "body": "slow query",
                    "severity_number": 13,
                    "attributes": {"sentry.release": {"value": "shop@2.0.1", "type": "string"}},
                }
            ]
        },
    ),
    "transaction (sentry-java)": (
        "transaction",
        {
            "event_id": "3c1d2b8e4f5a46b7a8c9d0e1f2a3b4c5",
            "type": "transaction",
            "transaction": "GET /cart",
            "start_timestamp": "2026-11-26T10:15:00.000Z",
            "timestamp": "2026-11-26T10:15:00.250Z",
            "contexts": {
                "trace": {
                    "trace_id": "0af7651916cd43dd8448eb211c80319c",
                    "span_id": "b7ad6b7169203331",
                    "op": "http.server",
                    "status": "ok",
                    "data": {"http.response.status_code": 200},
                }
            },
            "tags": {"http.status_code": "200"},
            "spans": [],
        },
    ),
    "user_report (@sentry/browser legacy)": (
        "user_report",
        {
            "event_id": "3c1d2b8e-4f5a-46b7-a8c9-d0e1f2a3b4c5",
            "name": "Jane",
            "email": "jane@example.com",
            "comments": "It broke when I paid",
        },
    ),
    "feedback (@sentry/browser widget)": (
        "feedback",
        {
            "event_id": "9e8d7c6b5a4f43e2b1c0d9e8f7a6b5c4",
            "type": "feedback",
            "timestamp": 1764152100.5,
            "contexts": {
                "feedback": {
                    "message": "Pay button does nothing",
                    "contact_email": "sam@example.com",
                    "name": "",
                    "url": "https://shop.example.com/pay",
                    "source": "widget",
                }
            },
        },
    ),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_sdk_items_are_accepted(name):
    item_type, body = REAL[name]
    assert check_item(Item(headers={"type": item_type}, type=item_type, payload=orjson.dumps(body))) == body


@pytest.mark.parametrize(
    ("item_type", "body", "says"),
    [
        ("sessions", {"aggregates": [{"started": "2026-11-26T10:00:00Z", "exited": -1}]}, "aggregates[0].exited"),
        ("sessions", {"aggregates": {"exited": 1}}, "aggregates must be a list"),
        ("session", {"started": "2026-99-99T10:00:00Z"}, "started"),
        ("session", {"errors": "2"}, "errors"),
        ("transaction", {"timestamp": float("1e300")}, "timestamp"),
        ("transaction", {"contexts": {"trace": {"data": [1]}}}, "contexts.trace.data"),
        ("client_report", {"discarded_events": [{"reason": "x", "category": "error", "quantity": 1.5}]}, "quantity"),
        ("check_in", {"monitor_slug": "x", "status": "sleeping"}, "status"),
        ("check_in", {"monitor_slug": "x", "status": "ok", "duration": -3}, "duration"),
        ("log", {"items": {"level": "error"}}, "items must be a list"),
        ("log", {"items": [{"timestamp": 1e300}]}, "items[0].timestamp"),
        ("user_report", {"event_id": "a" * 32, "comments": ""}, "comments"),
        ("feedback", {"contexts": {"feedback": {"name": "x"}}}, "contexts.feedback.message"),
        ("event", {"event_id": "nope"}, "event_id"),
    ],
)
def test_wrong_shapes_are_invalid_naming_the_field(item_type, body, says):
    with pytest.raises(ItemRejected) as caught:
        check_item(Item(headers={"type": item_type}, type=item_type, payload=orjson.dumps(body)))
    assert (caught.value.category, caught.value.reason) == ("invalid", f"invalid_{item_type}")
    assert says in caught.value.message and caught.value.status == 400


def test_oversized_and_unknown_items_have_their_own_outcomes():
    with pytest.raises(ItemRejected) as too_large:
        check_item(Item(headers={"type": "attachment"}, type="attachment", payload=b"", too_large=True, size=9))
    assert (too_large.value.category, too_large.value.status) == ("too_large", 413)
    with pytest.raises(ItemRejected) as unknown:
        check_item(Item(headers={"type": "profile_chunk"}, type="profile_chunk", payload=b"{}"))
    assert (unknown.value.category, unknown.value.reason) == ("unsupported", "profile_chunk")


def test_invented_item_types_share_one_outcome_reason():
    reasons = set()
    for invented in ("x1", "x2", "a" * 60):
        with pytest.raises(ItemRejected) as caught:
            check_item(Item(headers={"type": invented}, type=invented, payload=b"{}"))
        reasons.add(caught.value.reason)
    assert reasons == {"unknown_type"}


def _items(*specs: tuple[str, bytes]) -> list[Item]:
    return [Item(headers={"type": t}, type=t, payload=p) for t, p in specs]


def test_attachment_rule_follows_the_event_item():
    log = ("attachment", b"boot failed")
    event_id = "a" * 32
    kept, attach_to = check_items({}, _items(("event", orjson.dumps({"event_id": event_id})), log))
    assert attach_to == event_id and kept[1].rejected is None
    dropped, _ = check_items({"event_id": event_id}, _items(("event", b"{not json"), log))
    assert dropped[1].rejected.reason == "attachment_event_dropped"
    alone, attach_to = check_items({"event_id": event_id}, _items(log))
    assert attach_to == event_id and alone[0].rejected is None, "waits for its event, sent separately"
    beside_transaction, _ = check_items({"event_id": event_id}, _items(("transaction", b"{}"), log))
    assert beside_transaction[1].rejected.category == "unsupported"
    nowhere, _ = check_items({}, _items(log))
    assert nowhere[0].rejected.reason == "attachment_without_event_id"
