"""The one search language of ErrorHub: text -> a small frozen AST (pure, no Django).

The dashboard search box and the API ``query=`` parameter share this grammar::

    query   := term (whitespace term)*            -- implicit AND
    term    := ["-" | "!"] (phrase | keyvalue | word)
    phrase  := '"' chars '"'                       -- free text, as a phrase
    keyvalue:= key ":" value
    value   := '"' chars '"' | "[" item ("," item)* "]" | chars
    word    := chars                               -- free text

Keys are fields (``level``, ``release``, ``error.type`` ...), tags (any other key,
or ``tags[name]``), ``has:``, ``is:``, ``assigned:`` and the time keys
(``timestamp``, ``age``, ``firstSeen``, ``lastSeen``). Quoted values are literal:
no wildcard, no comparison operator. Anything malformed raises ``QueryError``
with the 0-based character offset of the bad token, so the API can answer 400
with a message the user can act on.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ingest.protocol.errors import ClientError
from ingest.protocol.event import LEVEL_RANK, LEVELS

MAX_QUERY_BYTES = 2048
MAX_TERMS = 50


class QueryError(ClientError, ValueError):
    """A query the user has to fix; ``position`` is a 0-based character offset."""

    def __init__(self, message: str, position: int, token: str) -> None:
        super().__init__(message)
        self.position = position
        self.token = token


# --- AST -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldTerm:
    """``key:value`` on an event field or a tag; several values mean "any of".

    ``op`` is ``eq`` (exact), ``wildcard`` (some value holds ``*``) or, for
    numeric fields, ``gt``/``gte``/``lt``/``lte``. ``is_tag`` says ``key`` is a
    tag name rather than a field.
    """

    key: str
    op: str
    values: tuple[str, ...]
    negated: bool = False
    is_tag: bool = False


@dataclass(frozen=True, slots=True)
class TextTerm:
    """Free text over message, exception types/values and frame functions."""

    text: str
    phrase: bool = False
    negated: bool = False


@dataclass(frozen=True, slots=True)
class HasTerm:
    """``has:key``: the field or tag is present (``negated``: absent)."""

    key: str
    negated: bool = False
    is_tag: bool = False


@dataclass(frozen=True, slots=True)
class TimeTerm:
    """A comparison on a time key; relative ages are already resolved to ``when``.

    ``key`` is ``timestamp`` (events) or ``first_seen``/``last_seen`` (issues);
    ``op`` is one of ``gt``, ``gte``, ``lt``, ``lte``, ``eq``. ``typed`` is the key
    as the user wrote it, lower-cased: ``age`` is the event timestamp when events
    are searched but, as in Sentry, the issue's first sighting when issues are.
    """

    key: str
    op: str
    when: datetime
    typed: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class StateTerm:
    """``is:state`` on the issue lifecycle (several states mean "any of")."""

    states: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class AssignedTerm:
    """``assigned:me`` / ``assigned:username``; ``me`` is resolved by the caller."""

    users: tuple[str, ...]
    negated: bool = False


Term = FieldTerm | TextTerm | HasTerm | TimeTerm | StateTerm | AssignedTerm


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: every term must hold."""

    terms: tuple[Term, ...] = ()


# --- vocabulary ------------------------------------------------------------------

# Field kinds: keyword (exact/wildcard), text (phrase match), level (validated,
# supports >=), number (comparisons), bool, id (lower-cased hex, dashes dropped).
FIELDS: dict[str, str] = {
    "level": "level",
    "release": "keyword",
    "environment": "keyword",
    "user.id": "keyword",
    "user.email": "keyword",
    "user.username": "keyword",
    "user.ip_address": "keyword",
    "trace_id": "id",
    "request_id": "keyword",
    "event_id": "id",
    "issue.id": "keyword",
    "transaction": "keyword",
    "server_name": "keyword",
    "service": "keyword",
    "source": "keyword",
    "platform": "keyword",
    "logger": "keyword",
    "project": "keyword",
    "error.type": "keyword",
    "error.value": "text",
    "error.module": "keyword",
    "error.handled": "bool",
    "message": "text",
    "request.method": "keyword",
    "request.url": "keyword",
    "request.status_code": "number",
    "stack.function": "keyword",
    "stack.module": "keyword",
    "stack.filename": "keyword",
}

ALIASES: dict[str, str] = {
    "trace": "trace_id",
    "trace.id": "trace_id",
    "traceid": "trace_id",
    "requestid": "request_id",
    "request.id": "request_id",
    "id": "event_id",
    "event.id": "event_id",
    "eventid": "event_id",
    "issue": "issue.id",
    "issue_id": "issue.id",
    "user": "user.id",
    "user.ip": "user.ip_address",
    "exception.type": "error.type",
    "exception.value": "error.value",
    "exception.module": "error.module",
    "exception.handled": "error.handled",
    "server": "server_name",
    "servername": "server_name",
    "env": "environment",
    "http.method": "request.method",
    "http.url": "request.url",
    "url": "request.url",
    "http.status_code": "request.status_code",
    "status_code": "request.status_code",
    "frame.function": "stack.function",
    "frame.module": "stack.module",
    "frame.filename": "stack.filename",
}

# Issue-level fields (answered from the issue table, never by the event store),
# with Sentry's spellings as aliases.
ISSUE_FIELDS: dict[str, str] = {
    "times_seen": "number",
    "first_release": "keyword",
}
ISSUE_ALIASES: dict[str, str] = {
    "timesSeen": "times_seen",
    "firstRelease": "first_release",
    "first-release": "first_release",
}
_ISSUE_ALIAS_OF = {alias.lower(): name for alias, name in ISSUE_ALIASES.items()}

# has: understands a few whole objects besides the fields themselves.
HAS_KEYS = {"user", "error", "exception", "stack", "stacktrace", "request"}

TIME_KEYS = {
    "timestamp": "timestamp",
    "age": "timestamp",
    "firstseen": "first_seen",
    "first_seen": "first_seen",
    "lastseen": "last_seen",
    "last_seen": "last_seen",
}
ISSUE_TIME_KEYS = {"first_seen", "last_seen"}

STATES = (
    "new",
    "acknowledged",
    "resolved",
    "fixed",
    "regressed",
    "snoozed",
    "inbox",
    "unresolved",
    "assigned",
    "unassigned",
    "ignored",
    "archived",
    "muted",
    "for_review",
)
# Sentry's names for ErrorHub's states: ErrorHub never ignores for good, it snoozes;
# Sentry's "for review" is ErrorHub's inbox.
STATE_ALIASES = {"ignored": "snoozed", "archived": "snoozed", "muted": "snoozed", "for_review": "inbox"}

#: The keys with a meaning of their own besides fields, time keys and tags.
SPECIAL_KEYS = ("is", "assigned", "has")
ASSIGNED_KEYS = ("assigned", "assigned_to", "assignee")

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
COMPARISONS = ((">=", "gte"), ("<=", "lte"), (">", "gt"), ("<", "lt"))
INVERSE = {"gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}

_KEY_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/@]{0,199}")
_TAG_RE = re.compile(r"tags\[([^\]\s]{1,200})\]", re.IGNORECASE)
_DATE_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?",
    re.ASCII,
)
_AGE_RE = re.compile(r"([+-])(\d{1,6})([A-Za-z]*)", re.ASCII)
_BOOLS = {"true": "true", "yes": "true", "1": "true", "false": "false", "no": "false", "0": "false"}


# --- tokenizer -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Value:
    text: str
    quoted: bool


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    raw: str  # the whole token as typed, for error messages
    negated: bool
    key: str | None  # None for free text
    values: tuple[_Value, ...]
    phrase: bool = False
    value_at: int = 0  # where the value starts, for errors about the value


class _Scanner:
    """Splits the text into tokens; knows quotes, lists and negation prefixes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def tokens(self) -> list[_Token]:
        out: list[_Token] = []
        while True:
            self._skip_space()
            if self.pos >= len(self.text):
                return out
            if len(out) == MAX_TERMS:
                raise QueryError(
                    f"too many terms (at most {MAX_TERMS}) at position {self.pos}",
                    self.pos,
                    self._word_at(self.pos),
                )
            out.append(self._token())

    def _token(self) -> _Token:
        text, start = self.text, self.pos
        negated = text[start] in "-!"
        if negated:
            self.pos += 1
            if self.pos >= len(text) or text[self.pos].isspace():
                raise QueryError(
                    f"nothing to negate after '{text[start]}' at position {start}",
                    start,
                    text[start],
                )
        if text[self.pos] == '"':
            phrase = self._quoted()
            return _Token(start, text[start : self.pos], negated, None, (phrase,), phrase=True)
        body_start = self.pos
        colon = self._key_end()
        if colon is not None:
            key = text[body_start:colon]
            if not key:
                raise QueryError(f"empty key before ':' at position {colon}", colon, self._word_at(body_start))
            if _is_key(key) and not text.startswith("//", colon + 1):
                self.pos = colon + 1
                values = self._value(key, start)
                raw = text[start : self.pos]
                return _Token(start, raw, negated, key, values, value_at=colon + 1)
        word = self._word_at(body_start)
        self.pos = body_start + len(word)
        return _Token(start, text[start : self.pos], negated, None, (_Value(word, False),))

    def _key_end(self) -> int | None:
        """Index of the ':' ending a key at ``pos``, or None for a bare word."""
        text, i = self.text, self.pos
        while i < len(text) and not text[i].isspace() and text[i] not in ':"':
            i += 1
        return i if i < len(text) and text[i] == ":" else None

    def _value(self, key: str, start: int) -> tuple[_Value, ...]:
        text = self.text
        if self.pos >= len(text) or text[self.pos].isspace():
            raise QueryError(
                f"missing value after '{key}:' at position {start} "
                '(quote the text to search for it literally: "...")',
                start,
                text[start : self.pos],
            )
        if text[self.pos] == '"':
            return (self._quoted(),)
        if text[self.pos] == "[":
            return self._list()
        word = self._word_at(self.pos)
        self.pos += len(word)
        return (_Value(word, False),)

    def _quoted(self, *, in_list: bool = False) -> _Value:
        """Reads ``"..."`` at ``pos`` (``\\"`` and ``\\\\`` escape); must end the token."""
        text, open_at = self.text, self.pos
        chars: list[str] = []
        i = open_at + 1
        while i < len(text):
            ch = text[i]
            if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
                chars.append(text[i + 1])
                i += 2
                continue
            if ch == '"':
                self.pos = i + 1
                after = text[self.pos] if self.pos < len(text) else " "
                if not after.isspace() and not (in_list and after in ",]"):
                    raise QueryError(
                        f"expected a space after the closing quote at position {i}",
                        i,
                        text[open_at : self.pos + 1],
                    )
                value = "".join(chars)
                if not value.strip():
                    raise QueryError(f"empty quotes at position {open_at}", open_at, text[open_at : self.pos])
                return _Value(value, True)
            chars.append(ch)
            i += 1
        raise QueryError(f"unclosed quote at position {open_at}", open_at, text[open_at:])

    def _list(self) -> tuple[_Value, ...]:
        """Reads ``[a, "b c", d]`` at ``pos``."""
        text, open_at = self.text, self.pos
        items: list[_Value] = []
        self.pos += 1
        while True:
            self._skip_space()
            if self.pos >= len(text):
                raise QueryError(f"unclosed '[' at position {open_at}", open_at, text[open_at:])
            if text[self.pos] in ",]":
                at = self.pos
                message = f"empty value in list at position {at}"
                raise QueryError(message, at, text[open_at : at + 1])
            if text[self.pos] == '"':
                items.append(self._quoted(in_list=True))
            else:
                j = self.pos
                while j < len(text) and not text[j].isspace() and text[j] not in ",]":
                    j += 1
                items.append(_Value(text[self.pos : j], False))
                self.pos = j
            self._skip_space()
            if self.pos < len(text) and text[self.pos] == ",":
                self.pos += 1
                continue
            if self.pos < len(text) and text[self.pos] == "]":
                self.pos += 1
                if self.pos < len(text) and not text[self.pos].isspace():
                    raise QueryError(
                        f"expected a space after ']' at position {self.pos - 1}",
                        self.pos - 1,
                        text[open_at : self.pos + 1],
                    )
                return tuple(items)
            if self.pos >= len(text):
                raise QueryError(f"unclosed '[' at position {open_at}", open_at, text[open_at:])
            raise QueryError(f"expected ',' or ']' at position {self.pos}", self.pos, self._word_at(self.pos))

    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _word_at(self, i: int) -> str:
        j = i
        while j < len(self.text) and not self.text[j].isspace():
            j += 1
        return self.text[i:j]


def _is_key(key: str) -> bool:
    return bool(_KEY_RE.fullmatch(key) or _TAG_RE.fullmatch(key))


# --- terms -----------------------------------------------------------------------


def parse_query(text: str, *, now: datetime | None = None, known_tag: Callable[[str], bool] | None = None) -> Query:
    """Parses the search language into a ``Query``; raises ``QueryError`` on bad input.

    ``now`` anchors relative ages (``age:-24h``); it defaults to the current UTC
    time and is injectable so results are reproducible in tests.

    ``known_tag`` decides what a key the language does not define means. Without
    it every such key is a tag (the events API: any tag may be asked for). With
    it (issue search), a key that is neither a search key nor a tag ``known_tag``
    accepts is an error naming the key and the known keys, so a typo such as
    ``time_seen:>10`` is a message under the box rather than an empty list.
    ``tags[name]:`` always means the tag ``name``.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_QUERY_BYTES:
        raise QueryError(f"query too long (at most {MAX_QUERY_BYTES} bytes)", 0, text[:20])
    now = _as_utc(now) if now is not None else datetime.now(UTC)
    terms: list[Term] = []
    for token in _Scanner(text).tokens():
        terms.extend(_build(token, now, known_tag))
    return Query(tuple(terms))


def known_key_names() -> tuple[str, ...]:
    """Every key the language defines (canonical names and aliases), sorted."""
    names = {*SPECIAL_KEYS, *ASSIGNED_KEYS, *FIELDS, *ALIASES, *ISSUE_FIELDS, *ISSUE_ALIASES, *TIME_KEYS}
    names |= {"error.unhandled", "exception.unhandled"}
    return tuple(sorted(names))


def canonical_keys() -> tuple[str, ...]:
    """One name per key the language defines, in the order the help lists them."""
    return (*SPECIAL_KEYS, *ISSUE_FIELDS, "age", "firstSeen", "lastSeen", "timestamp", *FIELDS)


def _canonical(name: str) -> str:
    return _ISSUE_ALIAS_OF.get(name, ALIASES.get(name, TIME_KEYS.get(name, name)))


def _unknown_key(key: str, at: int, raw: str) -> QueryError:
    lowered = {name.lower() for name in known_key_names()}
    close = difflib.get_close_matches(key.lower(), sorted(lowered), n=3, cutoff=0.75)
    suggestions = list(dict.fromkeys(_canonical(c) for c in close))
    hint = f" Did you mean {' or '.join(f'`{c}`' for c in suggestions)}?" if suggestions else ""
    return QueryError(
        f"Unknown search key `{key}` at position {at}.{hint} Known keys: {', '.join(canonical_keys())}, "
        f"and the tags your events carry (write tags[{key}]:… for a tag not seen yet).",
        at,
        raw,
    )


def _check_tag(tok: _Token, key: str, known_tag: Callable[[str], bool] | None, *, in_value: bool = False) -> None:
    if known_tag is not None and not known_tag(key):
        at = tok.value_at if in_value else tok.start + (1 if tok.negated else 0)
        raise _unknown_key(key, at, tok.raw)


def _build(tok: _Token, now: datetime, known_tag: Callable[[str], bool] | None = None) -> Sequence[Term]:
    if tok.key is None:
        return [TextTerm(tok.values[0].text, phrase=tok.phrase, negated=tok.negated)]
    key = tok.key.lower()
    if key == "is":
        return [StateTerm(_states(tok), tok.negated)]
    if key in ASSIGNED_KEYS:
        return [AssignedTerm(tuple(v.text for v in tok.values), tok.negated)]
    if key == "has":
        term = _has(tok)
        if term.is_tag and not _TAG_RE.fullmatch(tok.values[0].text):
            _check_tag(tok, term.key, known_tag, in_value=True)
        return [term]
    if key in TIME_KEYS:
        return _time(tok, TIME_KEYS[key], now)
    tag = _TAG_RE.fullmatch(tok.key)
    if tag:
        return [_field(tok, tag.group(1), "keyword", is_tag=True)]
    if key in ("error.unhandled", "exception.unhandled"):
        flipped = tuple({"true": "false", "false": "true"}[b] for b in _bools(tok))
        return [FieldTerm("error.handled", "eq", flipped, tok.negated)]
    issue_field = _ISSUE_ALIAS_OF.get(key, key)
    if issue_field in ISSUE_FIELDS:
        return [_field(tok, issue_field, ISSUE_FIELDS[issue_field])]
    name = ALIASES.get(key, key)
    if name in FIELDS:
        return [_field(tok, name, FIELDS[name])]
    _check_tag(tok, tok.key, known_tag)
    return [_field(tok, tok.key, "keyword", is_tag=True)]


def _field(tok: _Token, name: str, kind: str, *, is_tag: bool = False) -> FieldTerm:
    values = tok.values
    if kind in ("level", "number") and len(values) == 1 and not values[0].quoted:
        op, rest = _comparison(values[0].text)
        if op is not None:
            if not rest:
                raise _bad_value(tok, f"missing value after the comparison in '{tok.raw}'")
            if kind == "level":
                return FieldTerm(name, "eq", _levels_from(tok, op, rest), tok.negated)
            return FieldTerm(name, op, (_number(tok, rest),), tok.negated)
    if kind == "level":
        return FieldTerm(name, "eq", tuple(_level(tok, v.text) for v in values), tok.negated)
    if kind == "number":
        return FieldTerm(name, "eq", tuple(_number(tok, v.text) for v in values), tok.negated)
    if kind == "bool":
        return FieldTerm(name, "eq", _bools(tok), tok.negated)
    texts = tuple(v.text.replace("-", "").lower() if kind == "id" else v.text for v in values)
    wildcard = any("*" in v.text and not v.quoted for v in values)
    if wildcard and kind == "id":
        raise _bad_value(tok, f"wildcards are not supported for {name}: in '{tok.raw}'")
    return FieldTerm(name, "wildcard" if wildcard else "eq", texts, tok.negated, is_tag)


def _comparison(value: str) -> tuple[str | None, str]:
    for prefix, op in COMPARISONS:
        if value.startswith(prefix):
            return op, value[len(prefix) :]
    return None, value


def _level(tok: _Token, value: str) -> str:
    level = value.lower()
    if level not in LEVEL_RANK:
        raise _bad_value(tok, f"unknown level '{value}' (expected one of {', '.join(LEVELS)})")
    return level


def _levels_from(tok: _Token, op: str, value: str) -> tuple[str, ...]:
    """``level:>=warning`` -> every level at least as severe as warning."""
    rank = LEVEL_RANK[_level(tok, value)]
    keep: Callable[[int], bool] = {
        "gt": lambda r: r > rank,
        "gte": lambda r: r >= rank,
        "lt": lambda r: r < rank,
        "lte": lambda r: r <= rank,
    }[op]
    levels = tuple(name for name in LEVELS if keep(LEVEL_RANK[name]))
    if not levels:
        raise _bad_value(tok, f"no level matches '{tok.raw}'")
    return levels


def _number(tok: _Token, value: str) -> str:
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise _bad_value(tok, f"expected a number, got '{value}' in '{tok.raw}'")
    return str(int(value))


def _bools(tok: _Token) -> tuple[str, ...]:
    out = []
    for v in tok.values:
        if v.text.lower() not in _BOOLS:
            raise _bad_value(tok, f"expected true or false, got '{v.text}' in '{tok.raw}'")
        out.append(_BOOLS[v.text.lower()])
    return tuple(out)


def _states(tok: _Token) -> tuple[str, ...]:
    states = []
    for v in tok.values:
        state = v.text.lower()
        if state not in STATES:
            raise _bad_value(tok, f"unknown state '{v.text}' for is: (expected one of {', '.join(STATES)})")
        states.append(STATE_ALIASES.get(state, state))
    return tuple(states)


def _has(tok: _Token) -> HasTerm:
    if len(tok.values) != 1:
        raise _bad_value(tok, f"has: takes one key, not a list, in '{tok.raw}'")
    raw = tok.values[0].text
    tag = _TAG_RE.fullmatch(raw)
    if tag:
        return HasTerm(tag.group(1), tok.negated, is_tag=True)
    if not _KEY_RE.fullmatch(raw):
        raise _bad_value(tok, f"invalid key '{raw}' for has:")
    lowered = raw.lower()
    if lowered in HAS_KEYS:
        canonical = {"exception": "error", "stacktrace": "stack"}.get(lowered, lowered)
        return HasTerm(canonical, tok.negated)
    name = ALIASES.get(lowered, lowered)
    if name in FIELDS:
        return HasTerm(name, tok.negated)
    return HasTerm(raw, tok.negated, is_tag=True)


def _time(tok: _Token, key: str, now: datetime) -> list[TimeTerm]:
    if len(tok.values) != 1:
        raise _bad_value(tok, f"{tok.key}: takes one value, not a list, in '{tok.raw}'")
    raw = tok.values[0].text
    age = _AGE_RE.fullmatch(raw)
    if age or (tok.key or "").lower() == "age":
        op, when = _relative(tok, raw, now)
        terms = [TimeTerm(key, op, when, typed=(tok.key or "").lower())]
    else:
        terms = _absolute(tok, key, raw)
    if not tok.negated:
        return terms
    if len(terms) != 1 or terms[0].op == "eq":
        raise _bad_value(tok, f"cannot negate '{tok.raw[1:]}'; use a comparison such as {tok.key}:< instead")
    term = terms[0]
    return [TimeTerm(term.key, INVERSE[term.op], term.when, typed=term.typed)]


def _relative(tok: _Token, raw: str, now: datetime) -> tuple[str, datetime]:
    """``-24h`` -> newer than 24 hours (gte now-24h); ``+7d`` -> older (lte now-7d)."""
    match = _AGE_RE.fullmatch(raw)
    if not match:
        raise _bad_value(tok, f"expected an age such as -24h (newer than) or +7d (older than), got '{raw}'")
    sign, amount, unit = match.groups()
    if not unit:
        raise _bad_value(tok, f"missing unit in '{tok.raw}' (expected one of s, m, h, d, w)")
    if unit not in UNITS:
        raise _bad_value(tok, f"unknown unit '{unit}' in '{tok.raw}' (expected one of s, m, h, d, w)")
    try:
        when = now - timedelta(seconds=int(amount) * UNITS[unit])
    except OverflowError:
        raise _bad_value(tok, f"age too large in '{tok.raw}'") from None
    return ("gte" if sign == "-" else "lte"), when


def _absolute(tok: _Token, key: str, raw: str) -> list[TimeTerm]:
    op, value = _comparison(raw)
    when = _parse_date(tok, value)
    date_only = len(value) == 10
    if op is None and date_only:
        # A bare day means the whole (UTC) day.
        return [TimeTerm(key, "gte", when), TimeTerm(key, "lt", when + timedelta(days=1))]
    if date_only and op in ("gt", "lte"):
        # "after 2026-11-01" means after that day, not after its first instant.
        when += timedelta(days=1)
        op = {"gt": "gte", "lte": "lt"}[op]
    return [TimeTerm(key, op or "eq", when)]


def _parse_date(tok: _Token, value: str) -> datetime:
    problem = f"invalid date '{value}' in '{tok.raw}' (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)"
    if not _DATE_RE.fullmatch(value):
        raise _bad_value(tok, problem)
    try:
        return _as_utc(datetime.fromisoformat(value))
    except ValueError:
        raise _bad_value(tok, problem) from None


def _as_utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _bad_value(tok: _Token, message: str) -> QueryError:
    return QueryError(message, tok.value_at, tok.raw)


# --- splitting -------------------------------------------------------------------


def _is_issue_term(term: Term) -> bool:
    if isinstance(term, (StateTerm, AssignedTerm)):
        return True
    if isinstance(term, FieldTerm) and not term.is_tag and term.key in ISSUE_FIELDS:
        return True
    return isinstance(term, TimeTerm) and term.key in ISSUE_TIME_KEYS


def _is_project_term(term: Term) -> bool:
    return isinstance(term, FieldTerm) and term.key == "project" and not term.is_tag


def issue_terms(query: Query) -> Query:
    """Issue-level filters (``is:``, ``assigned:``, ``firstSeen``/``lastSeen``, ``timesSeen``,
    ``firstRelease``), applied in SQL."""
    return Query(tuple(t for t in query.terms if _is_issue_term(t)))


def event_terms(query: Query) -> Query:
    """The filters evaluated against stored events (fields, tags, text, timestamp, has:)."""
    return Query(tuple(t for t in query.terms if not _is_issue_term(t) and not _is_project_term(t)))


def project_terms(query: Query) -> tuple[FieldTerm, ...]:
    """``project:slug`` terms; the caller resolves slugs into the project ids it searches."""
    return tuple(t for t in query.terms if _is_project_term(t))  # type: ignore[misc]
