"""PHP: PHP 7+ ``Uncaught`` form, PHP 5 ``exception '...' with message`` form, ``Next`` chains."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.protocol.logs.stacktraces import parse_trace
from tests.ingest.protocol.logs import check_trace_fixture, trace_fixtures


@pytest.mark.parametrize("path", trace_fixtures("php"), ids=lambda p: p.name)
def test_captured_trace(path: Path) -> None:
    check_trace_fixture(path)


def test_error_log_prefix_and_method_frames() -> None:
    text = (
        "[01-Nov-2026 12:00:00 UTC] PHP Fatal error:  Uncaught App\\NotFound: no order in /srv/app/Order.php:12\n"
        "Stack trace:\n#0 /srv/app/Controller.php(30): App\\Repo->find(42)\n#1 {main}\n"
        "  thrown in /srv/app/Order.php on line 12\n"
    )
    (exc,) = parse_trace(text)
    assert (exc["type"], exc["value"]) == ("App\\NotFound", "no order")
    frames = exc["stacktrace"]["frames"]
    assert frames[-1]["module"] == "App\\Repo" and frames[-1]["function"] == "find"
    assert frames[0]["function"] == "{main}"
