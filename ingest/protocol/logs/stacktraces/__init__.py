"""Parse one multi-line stack trace of any common runtime from log text (pure functions).

``parse_trace(text)`` detects the language from markers no other language prints and
hands the lines to that language's parser. Every parser returns the Event's order:
the exception chain oldest first (a cause before the exception it caused, the last
entry the outermost) and frames caller -> callee (the last frame is where the error
was raised), whatever order the runtime printed them in.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ingest.protocol.event import ExceptionValue
from ingest.protocol.logs.stacktraces import dart, dotnet, elixir, erlang, go, java, javascript, php, python, ruby, rust
from ingest.protocol.logs.stacktraces.common import text_lines

__all__ = ["LANGUAGES", "parse_trace", "parse_trace_with_language"]

LANGUAGES = ("python", "java", "go", "javascript", "ruby", "php", "dotnet", "rust", "dart", "elixir", "erlang")

MAX_TRACE_CHARS = 512_000  # a longer text is cut before parsing: parsing stays bounded

# A JVM frame names a class source file or a JVM marker inside the parentheses.
_JVM_FRAME_RE = re.compile(
    r"^\s*at\s+[\w$.<>/@-]+\((?:[\w$.-]+\.(?:java|kt|kts|scala|groovy|clj|jj)(?::\d+)?|Native Method|"
    r"Unknown Source|Compiled Code|[\w$.-]+:\d+)\)|^\s*at\s+[\w$.]+\.\.\.\s*$|^\s*Caused by: |"
    r"^\s*\.\.\. \d+ (?:more|common frames omitted)",
    re.M,
)
_JS_FRAME_RE = re.compile(
    r"^\s*(?:eval )?at\s+(?:async\s+|new\s+)?(?:[^\s()]+(?:\s\[as \S+\])?\s+\([^()]*:\d+(?::\d+)?\)|"
    r"[^\s()]+:\d+:\d+|[^()]*\((?:native|<anonymous>|unknown location)\))\s*\{?,?$|"
    r"^\s*\[(?:cause|errors)\]: |^\s*[^\s@]*@\S+:\d+(?::\d+)?\s*$",
    re.M,
)
_AT_FRAME_RE = re.compile(r"^\s*(?:eval )?at\s+\S", re.M)


def parse_trace(text: str) -> list[ExceptionValue] | None:
    """The exception chain of one trace (oldest first), or None if ``text`` is not a trace."""
    result = parse_trace_with_language(text)
    return result[1] if result else None


def parse_trace_with_language(text: str) -> tuple[str, list[ExceptionValue]] | None:
    """Like ``parse_trace`` but also names the language (one of ``LANGUAGES``)."""
    if not text or not text.strip():
        return None
    lines = text_lines(text[:MAX_TRACE_CHARS])
    joined = "\n".join(lines)
    language = detect_language(joined)
    if language is None:
        return None
    exceptions = _PARSERS[language](lines)
    if not exceptions:
        return None
    return language, exceptions


def detect_language(text: str) -> str | None:
    """Name the runtime that printed ``text`` (ANSI-free, ``\\n`` separated), or None.

    The order matters: markers unique to one runtime first (a Python ``Traceback``,
    a Rust ``panicked at``, a Go ``goroutine N [..]:``), then the ``at``-frame family
    where Java, .NET and JavaScript must be told apart by the frame shape.
    """
    if erlang.detect(text):  # a report's header line is unmistakable; its body quotes Erlang terms
        return "erlang"
    if python.detect(text):
        return "python"
    if rust.detect(text):
        return "rust"
    if go.detect(text):
        return "go"
    if php.detect(text):
        return "php"
    if dart.detect(text):
        return "dart"
    if ruby.detect(text):
        return "ruby"
    if elixir.detect(text):
        return "elixir"
    if _AT_FRAME_RE.search(text) or javascript.DETECT_RE.search(text):
        return _at_family(text)
    if go.detect_weak(text):
        return "go"
    return None


def _at_family(text: str) -> str:
    if dotnet.detect(text):
        return "dotnet"
    jvm = len(_JVM_FRAME_RE.findall(text))
    js = len(_JS_FRAME_RE.findall(text))
    if js > jvm:
        return "javascript"
    if jvm:
        return "java"
    # Neither shape is clear: .NET frames carry a parameter list "(Type name)".
    if re.search(r"^\s*at [\w.`<>+\[\],]+ ?\((?:[\w.`\[\]<>,&]+ \w+(?:, )?)*\)\s*$", text, re.M):
        return "dotnet"
    return "java" if re.search(r"^\s*at [\w$.]+\(", text, re.M) else "javascript"


_PARSERS: dict[str, Callable[[list[str]], list[ExceptionValue] | None]] = {
    "python": python.parse,
    "java": java.parse,
    "go": go.parse,
    "javascript": javascript.parse,
    "ruby": ruby.parse,
    "php": php.parse,
    "dotnet": dotnet.parse,
    "rust": rust.parse,
    "dart": dart.parse,
    "elixir": elixir.parse,
    "erlang": erlang.parse,
}
