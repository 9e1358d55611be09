"""Grouping must never raise on what an SDK or a log parser might hand it."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.protocol.grouping import KINDS, VERSIONS, compute_grouping, compute_hashes
from ingest.protocol.message_normalize import normalize_message

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
# Names that look like the generated ones the rules rewrite, mixed with noise.
names = st.text(max_size=40) | st.sampled_from(
    [
        "lambda$main$0",
        "Object.<anonymous>",
        "glob..func1",
        "fn__12",
        "block (3 levels) in x",
        "class@anonymous",
        "<listcomp>",
        "?",
        "",
        "$$SpringCGLIB$$0",
        "node_modules/a@1/b.js",
        "C:\\x\\y.py",
        "/a/__init__.py",
    ]
)
frames = st.fixed_dictionaries(
    {},
    optional={
        "module": names | json_scalars,
        "function": names | json_scalars,
        "filename": names | json_scalars,
        "abs_path": names | json_scalars,
        "lineno": json_scalars,
        "in_app": json_scalars,
        "platform": st.sampled_from(["python", "javascript", "node", "go", "java", ""]) | json_scalars,
    },
)
exceptions = st.fixed_dictionaries(
    {},
    optional={
        "type": names | json_scalars,
        "value": st.text(max_size=200) | json_scalars,
        "module": names | json_scalars,
        "stacktrace": st.fixed_dictionaries({"frames": st.lists(frames | json_values, max_size=8)}) | json_values,
    },
)
events = st.fixed_dictionaries(
    {},
    optional={
        "platform": st.sampled_from(["python", "javascript", "go", "java"]) | json_scalars,
        "message": st.text(max_size=200) | json_scalars,
        "message_template": st.text(max_size=50) | json_scalars,
        "exception": st.lists(exceptions | json_values, max_size=4)
        | st.fixed_dictionaries({"values": st.lists(exceptions, max_size=3)})
        | json_values,
        "fingerprint": st.lists(st.sampled_from(["{{ default }}", "{{default}}"]) | json_scalars, max_size=4)
        | json_values,
    },
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events)
def test_compute_grouping_never_raises_on_event_like_dicts(event: dict[str, Any]) -> None:
    result = compute_grouping(event)
    assert result.version in VERSIONS  # 2026-12 only where its frameless rules decided (issue #19)
    assert result.kind in KINDS
    assert len(result.hash) == 32
    assert compute_hashes(event) == {result.version: result.hash}


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_compute_grouping_never_raises_on_any_json(value: Any) -> None:
    compute_grouping(value if isinstance(value, dict) else {"exception": value})


# Text biased towards what the rules look for: digits, separators, hex letters, units.
messagey = st.text(
    alphabet=st.sampled_from(list("0123456789abcdefxXABCDEF.:-/@=_'\" \t\nmshTZ+,<>()[]")) | st.characters(),
    max_size=120,
)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=300) | messagey)
def test_normalize_message_never_raises_and_is_idempotent(text: str) -> None:
    once = normalize_message(text)
    assert isinstance(once, str)
    assert normalize_message(once) == once
