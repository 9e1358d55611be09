"""Dart VM traces (the corpus holds 20 samples; see test_corpus_stacktraces)."""

from __future__ import annotations

from ingest.protocol.logs.stacktraces import parse_trace_with_language


def test_known_to_string_prefix_gives_a_type() -> None:
    text = (
        "Unhandled exception:\nBad state: oops\n"
        "#0      main (file:///app/bin/main.dart:4:3)\n<asynchronous suspension>\n"
    )
    language, (exc,) = parse_trace_with_language(text)
    assert language == "dart"
    assert (exc["type"], exc["value"]) == ("StateError", "Bad state: oops")
    frame = exc["stacktrace"]["frames"][0]
    assert (frame["filename"], frame["lineno"], frame["colno"]) == ("file:///app/bin/main.dart", 4, 3)
