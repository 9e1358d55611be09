"""JavaScript: V8/Node frames, [cause] chains, AggregateError, Firefox/Safari frames."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.protocol.logs.stacktraces import parse_trace, parse_trace_with_language
from tests.ingest.protocol.logs import check_trace_fixture, trace_fixtures


@pytest.mark.parametrize("path", trace_fixtures("javascript"), ids=lambda p: p.name)
def test_captured_trace(path: Path) -> None:
    check_trace_fixture(path)


def test_frame_shapes() -> None:
    text = (
        'TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string\n'
        "    at new Store (/app/store.js:3:11)\n"
        "    at async Promise.all (index 0)\n"
        "    at /app/index.js:10:5\n"
        "    at processTicksAndRejections (node:internal/process/task_queues:95:5)\n"
    )
    language, (exc,) = parse_trace_with_language(text)
    assert language == "javascript"
    assert exc["type"] == "TypeError"
    frames = exc["stacktrace"]["frames"]
    assert frames[-1]["function"] == "Store"
    assert (frames[-1]["lineno"], frames[-1]["colno"]) == (3, 11)
    assert frames[1]["filename"] == "/app/index.js" and frames[1]["function"] is None


def test_safari_frames() -> None:
    chain = parse_trace(
        "ReferenceError: x is not defined\ng@https://a.example/app.js:2:3\nglobal code@https://a.example/app.js:9:1\n"
    )
    assert chain is not None
    assert chain[-1]["stacktrace"]["frames"][-1]["function"] == "g"
