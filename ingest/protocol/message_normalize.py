"""Replace the variable parts of an error message with placeholders (pure: no Django import).

Two occurrences of one bug rarely carry the same message text: ids, e-mail
addresses, timestamps and durations change from one event to the next. Grouping
hashes the message *shape* instead, e.g.::

    "User 42 (bob@example.com) timed out after 3.5s at 2026-01-15T10:30:00Z"
    -> "User <num> (<email>) timed out after <duration> at <date>"

One precompiled alternation does the whole job in a single left-to-right pass;
at any position the earliest alternative that matches wins, so the order of
``_RULES`` is the precedence order (a URL before the hostname inside it, a UUID
before the hex runs inside it, a date before its numbers ...). Placeholders
contain no digit, ``@``, ``=`` or ``.``, so normalising twice changes nothing.
"""

from __future__ import annotations

import re

# Only this much of a message takes part in grouping: two messages that share
# their first KiB are the same problem, and the bound keeps the regex cheap.
MESSAGE_LIMIT = 1024

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*"
_TZ = r"(?:z|utc|gmt|[+-]\d{2}:?\d{2})"
_TIME = r"\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?"

# Host names need a well-known top-level label: "app.views" or "settings.py"
# in a message is code, not a host.
_TLDS = (
    "com|net|org|io|dev|local|localdomain|internal|lan|intranet|corp|home|cloud|svc|"
    "edu|gov|mil|int|co|uk|de|fr|nl|es|it|eu|us|ca|au|jp|cn|ru|br|in|ch|se|no|pl|be|"
    "at|dk|fi|ie|cz|ai|me|tv|info|biz|xyz|online|site|tech|example|test|invalid|onion"
)

# (name, pattern) in precedence order. Names are group names: keep patterns free
# of named groups so ``match.lastgroup`` is always the rule that matched.
_RULES: tuple[tuple[str, str], ...] = (
    # key='abc' / user="x": the quoted value is data, the key is the shape.
    ("value", r"""=\s*(?:'[^'\n]{0,256}'|"[^"\n]{0,256}")"""),
    ("url", r"""\b[a-z][a-z0-9+.-]{1,15}://[^\s'"<>()\[\]{}]*[^\s'"<>()\[\]{}.,;:!?]"""),
    ("email", r"(?<![\w.+-])[\w.+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})+"),
    ("uuid", r"(?<![\w-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w-])"),
    (
        "date",
        # ISO 8601 date or date-time.
        rf"(?<![\w.])\d{{4}}-\d{{2}}-\d{{2}}(?:[t ]\d{{2}}:\d{{2}}(?::\d{{2}}(?:[.,]\d+)?)?\s?{_TZ}?)?(?!\w)"
        # RFC 2822: "Mon, 15 Jan 2026 10:30:00 +0000".
        rf"|\b{_WEEKDAY},?\s+\d{{1,2}}\s+{_MONTH}\s+\d{{4}}(?:\s+{_TIME})?(?:\s+(?:{_TZ}|[a-z]{{3}}))?\b"
        # Common Log Format: "15/Jan/2026:10:30:00 +0000".
        rf"|(?<![\w/])\d{{1,2}}/{_MONTH}/\d{{4}}:{_TIME}(?:\s[+-]\d{{4}})?"
        # syslog / ctime: "Jan 15 10:30:00" and "Thu Jan 15 10:30:00 2026".
        rf"|\b(?:{_WEEKDAY}\s+)?{_MONTH}\s+\d{{1,2}}\s+{_TIME}(?:\s+\d{{4}})?"
        # 15/01/2026, 01/15/26.
        r"|(?<![\w/])\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})(?![\w/])"
        # A time of day on its own.
        rf"|(?<![\w:.])\d{{1,2}}:\d{{2}}:\d{{2}}(?:[.,]\d+)?(?:\s?{_TZ})?(?![\w:])",
    ),
    ("ip", r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\w)"),
    (
        "ip",
        # IPv6: full or "::"-compressed, with at least one digit so that
        # "Foo::bar" or "abc::def" (scope operators) stay as they are.
        r"(?<![\w:])(?=[0-9a-f:]*\d)(?:"
        r"(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}"
        r"|(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{0,4}::(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{0,4}"
        r")(?![\w:])",
    ),
    ("host", rf"(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})(?![\w-]|\.\w)"),
    # md5 / sha1 / sha256 / sha512 digests.
    ("hash", r"(?<![\w-])(?=[0-9a-f]*\d)(?:[0-9a-f]{128}|[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})(?![\w-])"),
    # Other hex ids: 8+ hex chars mixing digits and letters (not "deadbeef", not 12345678).
    ("hex", r"(?<![\w-])(?=[0-9a-f]*\d)(?=[0-9]*[a-f])[0-9a-f]{8,}(?![\w-])"),
    (
        "duration",
        r"(?<![\w.])\d+(?:\.\d+)?(?:(?:s|m|h|d)\b|\s?(?:ns|us|µs|ms)\b"
        r"|\s?(?:nanos|micros|millis|msecs?|secs?|mins?|hrs?|hours?|days?)"
        r"(?:econds?|ond|onds|utes?)?\b)",
    ),
    # Numbers: hex literals, ints, floats, versions, exponents; "-" and "_"
    # before a number (ORD-1234, user_42) still leave the prefix alone.
    ("num", r"(?<![a-z0-9.])(?:0x[0-9a-f]+|\d+(?:\.\d+)*(?:e[+-]?\d+)?)(?![0-9])"),
)

_PLACEHOLDER = {
    "value": "=<value>",
    "url": "<url>",
    "email": "<email>",
    "uuid": "<uuid>",
    "date": "<date>",
    "ip": "<ip>",
    "host": "<host>",
    "hash": "<hash>",
    "hex": "<hex>",
    "duration": "<duration>",
    "num": "<num>",
}


def _combine(rules: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    seen: dict[str, int] = {}
    parts = []
    for name, pattern in rules:
        # Two rules may share a placeholder ("ip" for v4 and v6); group names must be unique.
        seen[name] = seen.get(name, 0) + 1
        group = name if seen[name] == 1 else f"{name}__{seen[name]}"
        parts.append(f"(?P<{group}>{pattern})")
    return re.compile("|".join(parts), re.IGNORECASE)


_COMBINED = _combine(_RULES)
_WHITESPACE = re.compile(r"\s+")
# Every rule needs one of these characters; a message without them is returned
# after whitespace folding only, which is the common "plain sentence" case.
_TRIGGER = re.compile(r"[0-9@=.:]")


def _replace(match: re.Match[str]) -> str:
    return _PLACEHOLDER[(match.lastgroup or "num").split("__", 1)[0]]


def normalize_message(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Return ``text`` with its variable parts replaced by ``<placeholders>``.

    Only the first ``limit`` characters are read. Runs of whitespace fold to one
    space so that a re-wrapped message groups with the original. Never raises
    on a ``str``; the result is stable: normalising it again returns it unchanged
    (for results shorter than ``limit``).
    """
    text = _WHITESPACE.sub(" ", text[:limit]).strip()
    if not _TRIGGER.search(text):
        return text
    return _COMBINED.sub(_replace, text)
