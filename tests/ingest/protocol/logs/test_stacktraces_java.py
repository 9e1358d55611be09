"""JVM traces: Caused by, ... N more, Suppressed (skipped), multi-line messages, modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.protocol.logs.stacktraces import parse_trace, parse_trace_with_language
from tests.ingest.protocol.logs import check_trace_fixture, trace_fixtures


@pytest.mark.parametrize("path", trace_fixtures("java"), ids=lambda p: p.name)
def test_captured_trace(path: Path) -> None:
    check_trace_fixture(path)


def test_modules_and_frames() -> None:
    text = (
        'Exception in thread "main" java.lang.IllegalStateException: boom\n'
        "\tat com.shop.Cart.total(Cart.java:42)\n"
        "\tat java.base/java.lang.Thread.run(Thread.java:840)\n"
        "\tat sun.misc.Unsafe.park(Native Method)\n"
    )
    language, chain = parse_trace_with_language(text)
    assert language == "java"
    (exc,) = chain
    assert exc["module"] == "java.lang"
    frames = exc["stacktrace"]["frames"]
    assert frames[-1] == {
        "filename": "Cart.java",
        "abs_path": None,
        "function": "total",
        "module": "com.shop.Cart",
        "lineno": 42,
        "colno": None,
        "in_app": None,
    }
    assert frames[1]["module"] == "java.lang.Thread"
    assert frames[0]["filename"] is None and frames[0]["function"] == "park"


def test_suppressed_is_not_a_cause_and_omitted_is_counted() -> None:
    text = (
        "java.io.IOException: write failed\n"
        "\tat a.B.write(B.java:10)\n"
        "\tSuppressed: java.lang.IllegalStateException: close failed\n"
        "\t\tat a.B.close(B.java:20)\n"
        "\t\tCaused by: java.lang.Error: deep\n"
        "\t\t\tat a.B.x(B.java:1)\n"
        "Caused by: java.net.SocketException: reset\n"
        "\tat a.C.send(C.java:5)\n"
        "\t... 1 more\n"
    )
    chain = parse_trace(text)
    assert [e["type"] for e in chain] == ["java.net.SocketException", "java.io.IOException"]
    assert chain[0]["stacktrace"]["frames_omitted"] == 1
    assert len(chain[1]["stacktrace"]["frames"]) == 1


def test_kotlin_header_without_package_dots() -> None:
    chain = parse_trace(
        'Exception in thread "main" kotlin.NotImplementedError: An operation is not implemented.\n'
        "\tat MainKt.main(Main.kt:2)\n"
    )
    assert chain[-1]["type"] == "kotlin.NotImplementedError"
    assert chain[-1]["stacktrace"]["frames"][0]["filename"] == "Main.kt"
