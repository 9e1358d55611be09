"""Decoding the keyset page cursors ErrorHub hands out, in one place.

Every cursor comes back from the outside (a query parameter anyone can edit), so
decoding checks the shape and keeps every number inside a bigint: a larger one
would overflow the database query (a 500) instead of being the client's mistake.
Callers turn ``BadCursor`` into their own client error (400).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
_EVENT_ID = re.compile(r"[0-9a-f]{32}")


class BadCursor(ValueError):
    """A cursor ErrorHub did not make: edited, cut short, or out of range."""


def fits_bigint(number: int) -> bool:
    return BIGINT_MIN <= number <= BIGINT_MAX


def _text(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise BadCursor(cursor[:200]) from exc


def decode_keyset(cursor: str) -> tuple[str, int]:
    """``base64("<sort value>|<id>")`` as the sort value's text and the row id (0 to bigint)."""
    value, _, pk_text = _text(cursor).rpartition("|")
    if not value or not (len(pk_text) <= 19 and pk_text.isascii() and pk_text.isdigit()) or int(pk_text) > BIGINT_MAX:
        raise BadCursor(cursor[:200])
    return value, int(pk_text)


def decode_search_after(cursor: str) -> list[Any]:
    """``base64(json([timestamp_millis, event_id]))``: a search engine's ``search_after`` values,
    an integer inside a bigint and 32 lowercase hex digits (what ``sort_newest_first`` sorts by)."""
    try:
        values = json.loads(_text(cursor))
    except ValueError as exc:
        raise BadCursor(cursor[:200]) from exc
    if not (
        isinstance(values, list)
        and len(values) == 2
        and type(values[0]) is int
        and fits_bigint(values[0])
        and isinstance(values[1], str)
        and _EVENT_ID.fullmatch(values[1])
    ):
        raise BadCursor(cursor[:200])
    return values
