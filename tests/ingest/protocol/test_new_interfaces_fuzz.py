"""Issue #19: the interfaces now kept are total on any JSON: normalising, scrubbing, grouping,
titling, deriving tags and shaping for the API never raise, and the result stays storable."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from errorhub.api.sentry_event import sentry_event
from ingest.protocol.derived_tags import with_derived_tags
from ingest.protocol.grouping import compute_grouping
from ingest.protocol.normalize import normalize_sentry_event
from ingest.protocol.scrub import scrub_event
from ingest.protocol.titles import event_culprit, event_title

NOW = datetime(2026, 12, 1, tzinfo=UTC)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=25,
)
native_frame = st.fixed_dictionaries(
    {},
    optional={
        k: json_values | st.text(max_size=20)
        for k in (
            "instruction_addr",
            "package",
            "symbol",
            "symbol_addr",
            "image_addr",
            "raw_function",
            "platform",
            "data",
            "function",
            "module",
            "filename",
            "in_app",
            "native",
        )
    },
)
stack = st.fixed_dictionaries(
    {"frames": st.lists(native_frame | json_values, max_size=4)},
    optional={"registers": json_values, "snapshot": json_values},
)
thread = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "name": json_values,
        "crashed": st.booleans() | json_values,
        "current": json_values,
        "stacktrace": stack | json_values,
        "raw_stacktrace": stack | json_values,
        "state": json_values,
        "held_locks": json_values,
    },
)
KEYS = (
    "threads",
    "stacktrace",
    "debug_meta",
    "modules",
    "user",
    "breadcrumbs",
    "csp",
    "culprit",
    "dist",
    "sentry.interfaces.User",
    "sentry.interfaces.Breadcrumbs",
    "sentry.interfaces.Stacktrace",
    "sentry.interfaces.Threads",
    "logentry",
    "params",
    "platform",
    "level",
    "timestamp",
    "request",
)
payloads = st.fixed_dictionaries(
    {},
    optional={
        **{k: json_values for k in KEYS},
        "threads": st.fixed_dictionaries({"values": st.lists(thread, max_size=3)}) | json_values,
        "stacktrace": stack | json_values,
        "debug_meta": st.fixed_dictionaries({"images": st.lists(json_values, max_size=3)}) | json_values,
        "user": st.dictionaries(st.sampled_from(["id", "ip_address", "geo", "data", "name", "x"]), json_values)
        | json_values,
        "logentry": st.fixed_dictionaries({"message": st.text(max_size=40), "params": json_values}) | json_values,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads)
def test_every_step_is_total_on_the_new_interfaces(payload: dict[str, Any]) -> None:
    event = normalize_sentry_event(payload, project_id=1, event_id="", received_at=NOW, client_ip="192.0.2.1")
    orjson.dumps(event)
    scrub_event(with_derived_tags(event))
    assert len(compute_grouping(event).hash) == 32
    assert isinstance(event_title(event), str) and isinstance(event_culprit(event), str)
    assert all(isinstance(v, str) for v in event["tags"].values())
    orjson.dumps(sentry_event({**event, "issue_id": 1}))
