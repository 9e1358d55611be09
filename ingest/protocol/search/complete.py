"""Autocomplete for the search box: which token is under the cursor, and key suggestions.

Pure code (no Django): the dashboard endpoint finds the token here, asks the
database for tag keys and values, and lets ``key_suggestions`` merge them with
the language's own keys (``keys.SEARCH_KEYS``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ingest.protocol.search.keys import SEARCH_KEYS, SearchKey, search_key

MAX_SUGGESTIONS = 12


@dataclass(frozen=True, slots=True)
class Cursor:
    """The token under the cursor: ``[start, end)`` of the text, split at its first ':'.

    ``key`` is None while the user is still typing a key (or free text); then
    ``prefix`` is what they typed of it. Once a ':' is typed, ``key`` is set and
    ``prefix`` is the value typed so far (without a leading quote or comparison).
    ``value_start`` is where the value (after any ``"``/``>=``) begins.
    """

    start: int
    end: int
    key: str | None
    prefix: str
    negated: bool = False
    value_start: int = 0


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What to show (``label``, ``detail``) and what replaces the token (``text``)."""

    text: str
    label: str
    detail: str = ""


def token_at(text: str, cursor: int) -> Cursor:
    """The whitespace-separated token that ends at or contains ``cursor`` (clamped)."""
    cursor = max(0, min(cursor, len(text)))
    start = cursor
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    end = cursor
    while end < len(text) and not text[end].isspace():
        end += 1
    token = text[start:cursor]
    negated = token[:1] in ("!", "-")
    body = token[1:] if negated else token
    body_start = start + (1 if negated else 0)
    if ":" not in body:
        return Cursor(start, end, None, body, negated, body_start)
    key, value = body.split(":", 1)
    skipped = 0
    for lead in ('"', ">=", "<=", ">", "<", "["):
        if value.startswith(lead):
            skipped = len(lead)
            break
    value_start = body_start + len(key) + 1 + skipped
    return Cursor(start, end, key, value[skipped:], negated, value_start)


def key_suggestions(prefix: str, tag_keys: Iterable[str] = ()) -> list[Suggestion]:
    """Keys (the language's, then tags) whose name or alias starts with ``prefix``."""
    lowered = prefix.lower()
    out: list[Suggestion] = []
    for key in SEARCH_KEYS:
        shown = _matching_name(key, lowered)
        if shown is not None:
            out.append(Suggestion(f"{shown}:", f"{shown}:", key.summary))
    known = {s.label for s in out}
    for tag in sorted(set(tag_keys)):
        if tag.lower().startswith(lowered) and f"{tag}:" not in known and search_key(tag) is None:
            out.append(Suggestion(f"{tag}:", f"{tag}:", "tag"))
    return out[:MAX_SUGGESTIONS]


def _matching_name(key: SearchKey, lowered: str) -> str | None:
    for name in (key.name, *key.aliases):
        if name.lower().startswith(lowered):
            return name
    return None


def value_suggestions(key: str, prefix: str, values: Iterable[str]) -> list[Suggestion]:
    """``key:value`` suggestions for ``values`` starting with ``prefix`` (case-insensitive);
    values holding spaces or quotes come back quoted so the query stays valid."""
    lowered = prefix.lower()
    out: list[Suggestion] = []
    for value in dict.fromkeys(values):
        if not value or not value.lower().startswith(lowered):
            continue
        out.append(Suggestion(f"{key}:{quote(value)}", value))
        if len(out) == MAX_SUGGESTIONS:
            break
    return out


def closed_values(key: str) -> tuple[str, ...]:
    """The fixed values of ``key`` (``is:`` states, levels, booleans), or () for open keys."""
    known = search_key(key)
    return known.values if known is not None else ()


def quote(value: str) -> str:
    """``value`` as the language reads it back literally."""
    if value and not any(ch.isspace() or ch in '"[],' for ch in value) and value[0] not in "!-><":
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
