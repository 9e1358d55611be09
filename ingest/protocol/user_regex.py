"""Regular expressions written by users, run in linear time on a bounded text.

A pattern from a user (an alert rule's message or culprit filter) is matched
against event text an attacker controls. Python's ``re`` backtracks: ``(a+)+$``
against ``"a" * 30 + "!"`` takes minutes and blocks the worker. RE2 (through
``google-re2``) guarantees time linear in the text, and refuses the features that
need backtracking (back-references, look-around, possessive quantifiers), so a
pattern it refuses is rejected when it is saved. The text is cut to a prefix
(``limit`` characters) so even a linear scan stays small.

Pure Python, no Django: the same rules serve ingest, alerts and the fuzzers.
"""

from __future__ import annotations

import re2

from ingest.protocol.errors import ClientError

ENGINE = "re2"
MAX_PATTERN_LENGTH = 1000
# RE2 builds a DFA; cap its memory so one huge pattern cannot take a worker's RAM.
_MAX_MEM = 8 << 20


class UserRegexError(ClientError):
    """A user's pattern that the linear-time engine cannot run; the message says why."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # the reason is in the exception; RE2's stderr line helps nobody
    options.max_mem = _MAX_MEM
    options.never_capture = True  # only "does it match" is asked: no submatch work (30× faster on 64 KiB)
    return options


def compile_user_regex(pattern: str, *, label: str = "regular expression") -> re2._Regexp:
    """Compile ``pattern`` with RE2, or raise ``UserRegexError`` naming ``label`` and the reason."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise UserRegexError(f"the {label} is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        raise UserRegexError(
            f"the {label} is not a valid regular expression: {_reason(exc)} (RE2 syntax: no "
            "back-references, look-around, atomic groups or possessive quantifiers)"
        ) from None


def _reason(exc: Exception) -> str:
    reason = exc.args[0] if exc.args else str(exc)
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)


def user_regex_search(compiled: re2._Regexp, text: str, *, limit: int) -> bool:
    """Whether ``compiled`` matches anywhere in the first ``limit`` characters of ``text``."""
    return compiled.search(text[:limit]) is not None
