""".NET: ``--->`` inner exceptions (same line and .NET Core's own line), Mono frames."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.protocol.logs.stacktraces import parse_trace_with_language
from tests.ingest.protocol.logs import check_trace_fixture, trace_fixtures


@pytest.mark.parametrize("path", trace_fixtures("dotnet"), ids=lambda p: p.name)
def test_handwritten_trace(path: Path) -> None:
    check_trace_fixture(path)


def test_inner_frames_belong_to_the_inner_exception() -> None:
    path = Path(__file__).resolve().parents[3] / "fixtures" / "logs" / "dotnet" / "handwritten_core_nested.txt"
    language, (inner, outer) = parse_trace_with_language(path.read_text())
    assert language == "dotnet"
    assert inner["type"] == "System.IO.FileNotFoundException"
    assert inner["value"] == "Could not find file '/data/orders/42.json'.\nFile name: '/data/orders/42.json'"
    assert [f["function"] for f in inner["stacktrace"]["frames"]] == ["Load", "ReadAllText", "CreateFile"]
    last = outer["stacktrace"]["frames"][-1]
    assert (last["module"], last["filename"], last["lineno"]) == ("Shop.OrderStore", "/src/Shop/OrderStore.cs", 21)
