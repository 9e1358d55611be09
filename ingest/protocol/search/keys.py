"""The search keys as users see them: the help pop-over and autocomplete read this table.

The table is built from the parser's own vocabulary (``query.FIELDS``, ``ALIASES``,
``ISSUE_FIELDS``, ``TIME_KEYS``, ``STATES``), so help cannot list a key the parser
rejects nor miss one it accepts: a key added to the parser without a line in
``_SUMMARIES`` fails at import (and in ``tests/ingest/protocol/search/test_keys.py``).
Pure code, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.protocol.event import LEVELS
from ingest.protocol.search import query as q


@dataclass(frozen=True, slots=True)
class SearchKey:
    """One key of the language: its canonical name, what else it answers to, and help."""

    name: str
    aliases: tuple[str, ...]
    kind: str  # state, user, has, number, keyword, text, level, bool, id, time
    scope: str  # issue (answered from the issue table) or event (from stored events)
    summary: str
    example: str
    values: tuple[str, ...] = ()  # the closed set of values, when there is one


_SUMMARIES: dict[str, tuple[str, str]] = {
    "is": ("Issue state. unresolved = not resolved and not snoozed (Sentry's ignored).", "is:unresolved"),
    "assigned": ("Assignee: me, a username; !assigned:me for everyone else's.", "assigned:me"),
    "has": ("The field or tag is present (!has: absent).", "!has:user"),
    "times_seen": ("How many events the issue has had; takes > < >= <=.", "timesSeen:>10"),
    "first_release": ("The release the issue first appeared in; latest = the newest release.", "firstRelease:latest"),
    "age": ("When the issue was first seen, relative: -24h newer than, +7d older than.", "age:-24h"),
    "firstSeen": ("When the issue was first seen: relative age or a date with > < >= <=.", "firstSeen:+7d"),
    "lastSeen": ("When the issue was last seen: relative age or a date with > < >= <=.", "lastSeen:-1h"),
    "timestamp": ("When an event happened (issues: last seen).", "timestamp:>2026-11-01"),
    "level": ("Event level; takes >= (level:>=warning).", "level:error"),
    "release": ("Release of an event; latest = the newest release.", "release:latest"),
    "environment": ("Environment of an event.", "environment:production"),
    "user.id": ("The affected user's id.", "user.id:42"),
    "user.email": ("The affected user's e-mail.", "user.email:*@example.com"),
    "user.username": ("The affected user's username.", 'user.username:"Jane Doe"'),
    "user.ip_address": ("The affected user's IP address.", "user.ip:203.0.113.7"),
    "trace_id": ("Trace id (dashes and case ignored).", "trace_id:4bf92f3577b34da6a3ce929d0e0e4736"),
    "request_id": ("Request id from the event or log line.", "request_id:req-123"),
    "event_id": ("Event id.", "event.id:9c5a3e2b"),
    "issue.id": ("ErrorHub issue id.", "issue.id:42"),
    "transaction": ("Transaction (route or task).", "transaction:/api/orders"),
    "server_name": ("Host that sent the event.", "server:web-8"),
    "service": ("Service name (logs).", "service:billing"),
    "source": ("SDK or log format that sent the event.", "source:sentry.python"),
    "platform": ("Platform (python, javascript …).", "platform:python"),
    "logger": ("Logger name.", "logger:django.request"),
    "project": ("Project slug.", "project:web"),
    "error.type": ("Exception type; * is a wildcard.", "error.type:ValueError"),
    "error.value": ("Exception message (contains).", 'error.value:"out of stock"'),
    "error.module": ("Module of the exception.", "error.module:myapp.orders"),
    "error.handled": ("Whether the exception was handled (error.unhandled:true too).", "error.handled:false"),
    "message": ("Event message (contains).", 'message:"timed out"'),
    "request.method": ("HTTP method.", "http.method:POST"),
    "request.url": ("Request URL; * is a wildcard.", "url:*checkout*"),
    "request.status_code": ("HTTP status code; takes > < >= <=.", "http.status_code:>=500"),
    "stack.function": ("A function in the stack trace.", "stack.function:charge"),
    "stack.module": ("A module in the stack trace.", "stack.module:myapp.payments"),
    "stack.filename": ("A file in the stack trace.", "stack.filename:*views.py"),
}

#: The operators and forms every key shares, for the help's second table.
SYNTAX: tuple[tuple[str, str], ...] = (
    ("key:value", "the key has this value (several terms: all must hold)"),
    ("!key:value  -key:value", "negation"),
    ('key:"two words"', "quoted: spaces kept, no wildcard"),
    ("key:[a,b]", "any of the values"),
    ("key:*part*", "wildcard"),
    ("key:>10  key:<=5", "comparisons on numbers, levels and dates"),
    ("age:-24h  firstSeen:+7d", "relative time: - newer than, + older than (s, m, h, d, w)"),
    ("tags[name]:value", "any tag, even one not seen yet"),
    ("free text", "words or a quoted phrase: title, culprit and message"),
)


def _aliases_of(name: str) -> tuple[str, ...]:
    out = [a for a, target in q.ALIASES.items() if target == name]
    out += [a for a, target in q.ISSUE_ALIASES.items() if target == name]
    if name == "assigned":
        out += [k for k in q.ASSIGNED_KEYS if k != "assigned"]
    if name in ("firstSeen", "lastSeen"):
        out += [k for k, v in q.TIME_KEYS.items() if v == q.TIME_KEYS[name.lower()] and k != name.lower()]
    if name == "error.handled":
        out.append("error.unhandled")
    return tuple(out)


def _kind_and_scope(name: str) -> tuple[str, str]:
    if name in q.SPECIAL_KEYS:
        return {"is": "state", "assigned": "user", "has": "has"}[name], "issue"
    if name in q.ISSUE_FIELDS:
        return q.ISSUE_FIELDS[name], "issue"
    if name in ("age", "firstSeen", "lastSeen"):
        return "time", "issue"
    if name == "timestamp":
        return "time", "event"
    return q.FIELDS[name], "event"


def _values_of(name: str) -> tuple[str, ...]:
    if name == "is":
        return q.STATES
    if name == "level":
        return tuple(LEVELS)
    if name == "error.handled":
        return ("true", "false")
    return ()


def _build() -> tuple[SearchKey, ...]:
    keys = []
    for name in q.canonical_keys():
        summary, example = _SUMMARIES[name]  # KeyError: a parser key without help
        kind, scope = _kind_and_scope(name)
        keys.append(SearchKey(name, _aliases_of(name), kind, scope, summary, example, _values_of(name)))
    return tuple(keys)


SEARCH_KEYS: tuple[SearchKey, ...] = _build()


def search_key(typed: str) -> SearchKey | None:
    """The key ``typed`` names (canonical or alias, any case), or None for a tag."""
    lowered = typed.lower()
    for key in SEARCH_KEYS:
        if lowered == key.name.lower() or lowered in (a.lower() for a in key.aliases):
            return key
    return None
