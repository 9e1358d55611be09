"""Property: whatever ``check_item`` accepts, the worker processes without raising.

This is the contract between the view and the worker (#24.6): the view answers 200
for an item only if the shared check accepts it, so any exception the worker then
raised would retry and dead-letter a payload the client was told was fine. Payloads
are generated from the field names the item types use, with hostile values (1e300,
lists where objects go, huge integers ...). Anything the check refuses must be an
``ItemRejected`` (a 4xx / a named outcome), never another exception.
"""

from __future__ import annotations

import copy
import time
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.processing import process_payload
from ingest.protocol.envelope import Item, serialize_envelope
from ingest.protocol.item_checks import ItemRejected, check_item

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

FIELDS = [
    "attrs",
    "release",
    "environment",
    "aggregates",
    "started",
    "exited",
    "errored",
    "crashed",
    "abnormal",
    "status",
    "errors",
    "timestamp",
    "start_timestamp",
    "contexts",
    "trace",
    "data",
    "http.response.status_code",
    "tags",
    "discarded_events",
    "reason",
    "category",
    "quantity",
    "monitor_slug",
    "check_in_id",
    "duration",
    "items",
    "level",
    "body",
    "trace_id",
    "attributes",
    "event_id",
    "name",
    "email",
    "comments",
    "feedback",
    "message",
    "contact_email",
    "associated_event_id",
    "url",
    "transaction",
    "op",
    "sid",
    "init",
    "sentry.release",
    "sentry.environment",
    "sentry.message.template",
    "value",
    "type",
]
TYPES = ["session", "sessions", "transaction", "client_report", "check_in", "log", "user_report", "feedback", "event"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.sampled_from([1e300, -1e300, 1.7e12, 1764000000.5, 0.0, -1.0])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(
        [
            "ok",
            "exited",
            "crashed",
            "error",
            "in_progress",
            "2026-11-26T10:00:00Z",
            "2026-99-99T10:00:00Z",
            "shop@2.0",
            "9" * 40,
            "a" * 32,
            "",
            "shop\x00web",
            "0001-01-01T00:30:00+01:00",
            "9999-12-31T23:30:00-01:00",
            "²",
            "404",
        ]
    )
    | st.text(max_size=10)
)
shaped = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(FIELDS), children, max_size=5),
    max_leaves=25,
)
payloads = st.dictionaries(st.sampled_from(FIELDS), shaped, max_size=6)
#: A valid payload of each type, for generated payloads to start from and spoil a field or two.
VALID = {
    "sessions": {"attrs": {"release": "shop@2.0"}, "aggregates": [{"started": "2026-11-26T10:00:00Z", "exited": 3}]},
    "check_in": {"check_in_id": "a" * 32, "monitor_slug": "nightly", "status": "ok", "duration": 1.5},
    "user_report": {"event_id": "a" * 32, "name": "Jane", "email": "j@example.com", "comments": "broke"},
    "feedback": {"event_id": "b" * 32, "contexts": {"feedback": {"message": "broke", "associated_event_id": "a" * 32}}},
}
aggregates = st.lists(
    st.dictionaries(st.sampled_from(FIELDS), shaped, max_size=4).map(
        lambda agg: {"started": "2026-11-26T10:00:00Z", **agg}
    ),
    max_size=3,
)


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(item_type=st.sampled_from(TYPES), body=payloads, from_valid=st.booleans(), aggs=aggregates)
def test_accepted_items_never_fail_in_the_worker(world, item_type, body, from_valid, aggs):
    if from_valid and item_type in VALID:  # a valid payload with one field spoilt (sessions: its aggregates)
        spoilt = {"aggregates": aggs} if item_type == "sessions" else dict(list(body.items())[:1])
        body = {**VALID[item_type], **spoilt}
    raw = orjson.dumps(body)
    try:
        check_item(Item(headers={"type": item_type}, type=item_type, payload=raw))
    except ItemRejected as exc:
        assert exc.category == "invalid" and exc.message
        return
    data = serialize_envelope({}, [({"type": item_type}, raw)])
    payload = {
        "v": 1,
        "kind": "envelope",
        "project_id": world.project.pk,
        "data": data.decode(),
        "b64": False,
        "received_at": time.time(),
        "client": "tests/1.0",
    }
    outcome = process_payload(payload)  # must not raise: the view already answered 200 for this item
    assert not any(category == "invalid" for category, _ in outcome.dropped), outcome.dropped


#: Attribute keys of Sentry log records, those that land in top-level event fields first.
ATTRIBUTE_KEYS = ["sentry.release", "sentry.environment", "sentry.message.template", "sentry.sdk.name", "user.id"]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
    max_leaves=10,
)
#: An attribute is sent bare or typed (``{"value": ..., "type": ...}``); its value any JSON type.
attribute = json_values | st.builds(
    lambda v, t: {"value": v, "type": t}, json_values, st.sampled_from(["string", "integer", "double", "boolean"])
)
log_records = st.fixed_dictionaries(
    {"level": st.sampled_from(["error", "fatal", "info"]), "body": st.text(max_size=20)},
    optional={
        "timestamp": scalars,
        "trace_id": scalars,
        "attributes": st.dictionaries(st.sampled_from(ATTRIBUTE_KEYS) | st.text(max_size=5), attribute, max_size=5),
    },
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(records=st.lists(log_records, min_size=1, max_size=3))
def test_accepted_log_items_never_fail_in_the_worker(world, records):
    """Log records with attribute values of every JSON type: accepted means processed."""
    raw = orjson.dumps({"items": records})
    try:
        check_item(Item(headers={"type": "log"}, type="log", payload=raw))
    except ItemRejected as exc:
        assert exc.category == "invalid" and exc.message
        return
    data = serialize_envelope({}, [({"type": "log"}, raw)])
    payload = {
        "v": 1,
        "kind": "envelope",
        "project_id": world.project.pk,
        "data": data.decode(),
        "b64": False,
        "received_at": time.time(),
        "client": "tests/1.0",
    }
    outcome = process_payload(payload)  # must not raise: the view already answered 200 for this item
    assert not outcome.dropped, outcome.dropped
    for event in outcome.events:
        assert all(isinstance(event.get(name), (str, type(None))) for name in ("release", "environment"))


#: A complete valid payload of each type: every field the worker reads is a leaf to spoil.
COMPLETE = {
    **VALID,
    "transaction": {
        "event_id": "c" * 32,
        "type": "transaction",
        "transaction": "GET /cart",
        "start_timestamp": 1764000000.0,
        "timestamp": "2026-11-26T10:00:00.5+01:00",
        "tags": {"http.status_code": "200"},
        "contexts": {
            "trace": {
                "trace_id": "a" * 32,
                "span_id": "b" * 16,
                "op": "http.server",
                "status": "ok",
                "data": {"http.response.status_code": 200},
            }
        },
    },
    "session": {
        "sid": "d" * 32,
        "status": "exited",
        "errors": 1,
        "started": "2026-11-26T10:00:00Z",
        "timestamp": 1764000000.0,
        "attrs": {"release": "shop@2.0", "environment": "prod"},
    },
    "client_report": {
        "timestamp": 1764000000.0,
        "discarded_events": [{"reason": "queue_overflow", "category": "error", "quantity": 3}],
    },
    "log": {
        "items": [
            {
                "timestamp": 1764000000.0,
                "level": "error",
                "body": "boom",
                "trace_id": "a" * 32,
                "attributes": {"sentry.release": {"value": "shop@2.0", "type": "string"}, "sentry.environment": "prod"},
            }
        ]
    },
}


def leaf_paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """The path (keys and indexes) of every scalar in ``value``."""
    if isinstance(value, dict):
        return [path for key, item in value.items() for path in leaf_paths(item, (*prefix, key))]
    if isinstance(value, list):
        return [path for index, item in enumerate(value) for path in leaf_paths(item, (*prefix, index))]
    return [prefix]


def replaced(value: Any, path: tuple, new: Any) -> Any:
    """A copy of ``value`` with the leaf at ``path`` replaced by ``new``."""
    out = copy.deepcopy(value)
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return out


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(item_type=st.sampled_from(sorted(COMPLETE)), data=st.data())
def test_a_complete_item_with_one_field_spoilt_never_fails_in_the_worker(world, item_type, data):
    """Every field the worker reads, in turn, holds a hostile value: accepted means processed."""
    path = data.draw(st.sampled_from(leaf_paths(COMPLETE[item_type])), label="path")
    body = replaced(COMPLETE[item_type], path, data.draw(shaped, label="value"))
    raw = orjson.dumps(body)
    try:
        check_item(Item(headers={"type": item_type}, type=item_type, payload=raw))
    except ItemRejected as exc:
        assert exc.category == "invalid" and exc.message
        return
    data_bytes = serialize_envelope({}, [({"type": item_type}, raw)])
    payload = {
        "v": 1,
        "kind": "envelope",
        "project_id": world.project.pk,
        "data": data_bytes.decode(),
        "b64": False,
        "received_at": time.time(),
        "client": "tests/1.0",
    }
    outcome = process_payload(payload)  # must not raise: the view already answered 200 for this item
    assert not any(category == "invalid" for category, _ in outcome.dropped), outcome.dropped
