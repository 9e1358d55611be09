"""Erlang/OTP crash output: a ``=CRASH REPORT==== <date> ===`` (a proc_lib process died:
``exception <class>: <reason in words>`` then ``in function|operator|call from`` lines,
innermost first) or an ``=ERROR REPORT====`` for a plain process (``Error in process <pid>
with exit value:`` then the exit value as a term, ``{Reason,[{M,F,Args,[{file,F},{line,N}]}...]}``).

Type: the exception class (``error``, ``exit``, ``throw``) of a crash report, whose reason is
printed in words; the reason atom of an exit value (``function_clause``, ``badarith`` ...).
"""

from __future__ import annotations

import re

from ingest.protocol.event import ExceptionValue, Frame
from ingest.protocol.logs.stacktraces.common import make_exception, make_frame, to_int

REPORT_RE = re.compile(r"^=(?:CRASH|ERROR|SUPERVISOR) REPORT==== .* ===\s*$")
DETECT_RE = re.compile(r"^=(?:CRASH|ERROR|SUPERVISOR) REPORT==== ", re.M)
EXCEPTION_RE = re.compile(r"^\s+exception (?P<cls>error|exit|throw): (?P<reason>.*?)\s*$")
IN_RE = re.compile(
    r"^\s+in (?:function|call from|operator)\s+(?P<func>\S+?)(?: \((?P<file>[^,()]+), line (?P<line>\d+)\))?\s*$"
)
EXIT_RE = re.compile(r"^Error in process (?P<pid><[\d.]+>) with exit value:\s*$")
REASON_RE = re.compile(r"^\{(?P<reason>[a-z][\w@]*|'[^']*')")
TERM_FRAME_RE = re.compile(
    r"\{(?P<mod>[a-z][\w@]*|'[^']*'),(?P<fun>[a-z][\w@]*|'[^']*'),(?P<arity>\d+|\[.*?\]),"
    r"\[\{file,\"(?P<file>[^\"]*)\"\},\{line,(?P<line>\d+)\}"
)


def detect(text: str) -> bool:
    return bool(DETECT_RE.search(text))


def parse(lines: list[str]) -> list[ExceptionValue] | None:
    """The first crash (or exit) the report holds."""
    for index, line in enumerate(lines):
        if match := EXCEPTION_RE.match(line):
            frames = [_frame(m) for text in lines[index + 1 :] if (m := IN_RE.match(text))]
            return [make_exception(match["cls"], match["reason"], list(reversed(frames)))]
        if (match := EXIT_RE.match(line)) and index + 1 < len(lines):
            return [_exit_value(match["pid"], " ".join(part.strip() for part in lines[index + 1 :]))]
    return None


def _frame(match: re.Match[str]) -> Frame:
    module, _, function = match["func"].rpartition(":")
    return make_frame(path=match["file"], function=function, module=module or None, lineno=to_int(match["line"]))


def _exit_value(pid: str, term: str) -> ExceptionValue:
    reason = REASON_RE.match(term)
    frames = [
        make_frame(path=m["file"], function=_function(m["fun"], m["arity"]), module=m["mod"], lineno=to_int(m["line"]))
        for m in TERM_FRAME_RE.finditer(term)
    ]
    type_ = reason["reason"].strip("'") if reason else "exit"
    return make_exception(type_, f"process {pid} exited", list(reversed(frames)))


def _function(name: str, arity: str) -> str:
    """``name/arity``; a term that shows the call's arguments instead of the arity gives the name."""
    return f"{name}/{arity}" if arity.isdigit() else name
