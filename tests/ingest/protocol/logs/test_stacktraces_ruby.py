"""Ruby: CLI form (the header is the innermost frame), causes, Ruby 3.4 quoting, Rails form."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.protocol.logs.stacktraces import parse_trace
from tests.ingest.protocol.logs import check_trace_fixture, trace_fixtures


@pytest.mark.parametrize("path", trace_fixtures("ruby"), ids=lambda p: p.name)
def test_captured_trace(path: Path) -> None:
    check_trace_fixture(path)


def test_ruby34_owner_becomes_module() -> None:
    chain = parse_trace("app.rb:3:in 'Calculator#ratio': divided by 0 (ZeroDivisionError)\n")
    frame = chain[-1]["stacktrace"]["frames"][-1]
    assert (frame["module"], frame["function"], frame["lineno"]) == ("Calculator", "ratio", 3)


def test_rails_form() -> None:
    text = (
        " ActiveRecord::RecordNotFound (Couldn't find User with 'id'=7):\n  \n"
        "  app/controllers/users_controller.rb:5:in `show'\n"
    )
    chain = parse_trace(text)
    assert chain[-1]["type"] == "ActiveRecord::RecordNotFound"
    assert chain[-1]["value"] == "Couldn't find User with 'id'=7"
