"""Property tests: normalisation and scrubbing are total on any JSON-like input.

Arbitrary dicts rarely hit the interesting keys, so a second strategy puts
arbitrary JSON under every key the normaliser reads.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.protocol.normalize import event_culprit, event_title, normalize_minimal, normalize_sentry_event
from ingest.protocol.scrub import ScrubConfig, scrub_event

NOW = datetime(2024, 5, 1, tzinfo=UTC)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
KEYS = [
    "exception", "threads", "message", "logentry", "timestamp", "level", "tags", "user", "request",
    "contexts", "breadcrumbs", "sdk", "platform", "release", "environment", "fingerprint", "extra",
    "transaction", "server_name", "logger", "stacktrace",
]  # fmt: skip
frame = st.fixed_dictionaries(
    {},
    optional={k: json_values for k in ("function", "module", "filename", "lineno", "in_app", "vars", "pre_context")},
)
exception_value = st.fixed_dictionaries(
    {},
    optional={
        "type": json_values,
        "value": json_values,
        "thread_id": json_values,
        "mechanism": json_values,
        "stacktrace": st.text() | st.fixed_dictionaries({"frames": st.lists(frame | json_values, max_size=5)}),
    },
)
event_like = st.fixed_dictionaries(
    {},
    optional={
        **{key: json_values for key in KEYS},
        "exception": st.fixed_dictionaries({"values": st.lists(exception_value, max_size=3)}) | exception_value,
        "threads": st.lists(
            st.fixed_dictionaries({"id": json_values, "crashed": st.booleans(), "stacktrace": json_values}), max_size=3
        ),
    },
)
payloads = st.dictionaries(st.text(max_size=12), json_values, max_size=8) | event_like
configs = st.builds(
    ScrubConfig,
    extra_fields=st.lists(st.text(max_size=8), max_size=3),
    extra_patterns=st.sampled_from([(), (r"\d{3}",), (r"(ab)+c",)]),  # RE2 syntax: back-references are refused at save
    scrub_ip=st.booleans(),
)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(payloads)
def test_normalize_never_raises_and_is_storable(payload: dict[str, Any]) -> None:
    event = normalize_sentry_event(payload, project_id=1, event_id="a" * 32, received_at=NOW)
    orjson.dumps(event)
    assert isinstance(event_title(event), str) and isinstance(event_culprit(event), str)
    assert event["level"] in {"debug", "info", "warning", "error", "fatal"}


@FUZZ
@given(payloads)
def test_normalize_minimal_never_raises(payload: dict[str, Any]) -> None:
    orjson.dumps(normalize_minimal(payload, project_id=1, event_id="a" * 32, received_at=NOW))


@FUZZ
@given(payloads, configs)
def test_scrub_never_raises_on_normalised_events(payload: dict[str, Any], config: ScrubConfig) -> None:
    event = normalize_sentry_event(payload, project_id=1, event_id="a" * 32, received_at=NOW)
    orjson.dumps(scrub_event(event, config))


@FUZZ
@given(payloads, configs)
def test_scrub_never_raises_on_raw_dicts(payload: dict[str, Any], config: ScrubConfig) -> None:
    scrub_event(copy.deepcopy(payload), config)  # type: ignore[arg-type]
