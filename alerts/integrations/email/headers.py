"""Text for e-mail headers: one line, no control characters, bounded.

Issue titles, exception types and project names come from events an attacker can
send. A CR/LF in a header either makes Django refuse the message (``BadHeaderError``)
or, with a laxer mailer, starts a new header (``Bcc:``). Headers are therefore built
only from text passed through ``header_text``; bodies are left as they are.
"""

from __future__ import annotations

import re
import unicodedata

MAX_SUBJECT = 200
_WHITESPACE = re.compile(r"\s+")
# control (CR, LF, NUL, ESC …), format (bidi overrides, zero-width), line and paragraph separators
_UNSAFE = frozenset(("Cc", "Cf", "Zl", "Zp"))


def _printable(char: str) -> str:
    return " " if unicodedata.category(char) in _UNSAFE else char


def header_text(value: str, *, limit: int = MAX_SUBJECT) -> str:
    """``value`` on one line without control characters, at most ``limit`` characters (… when cut)."""
    text = _WHITESPACE.sub(" ", "".join(_printable(c) for c in str(value))).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def is_single_line(value: str) -> bool:
    """Whether ``value`` (an address) has no control or line-break characters at all."""
    return not any(unicodedata.category(c) in _UNSAFE for c in value)
