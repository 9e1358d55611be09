"""Bounds every parser of outside input shares: how deep JSON may nest.

Parsed JSON is walked recursively downstream (normalisers, scrubbing, templates,
Postgres jsonb), so a document nested thousands of levels deep must be refused
where it enters, not found later as a ``RecursionError`` in a worker. The check
is iterative, so it cannot hit Python's recursion limit itself.
"""

from __future__ import annotations

from typing import Any

#: Deepest nesting accepted in any JSON from outside (the top level is level 1).
#: Real events nest a dozen levels; Sentry's own limit for event JSON is similar.
MAX_JSON_DEPTH = 128


def deeper_than(value: Any, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """True if lists/dicts in ``value`` nest more than ``max_depth`` levels.

    Level by level, iterative: the check itself cannot hit Python's recursion limit.
    """
    level: list[Any] = [value] if type(value) in (dict, list) else []
    depth = 1
    while level:
        if depth > max_depth:
            return True
        deeper: list[Any] = []
        for node in level:
            for child in node.values() if type(node) is dict else node:
                if type(child) is dict or type(child) is list:
                    deeper.append(child)
        level, depth = deeper, depth + 1
    return False


def may_be_deeper_than(raw: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Cheap pre-check on the JSON text: every level opens a bracket, so text with no
    more brackets than ``max_depth`` cannot nest deeper (most documents: no walk needed)."""
    if isinstance(raw, str):
        return raw.count("{") + raw.count("[") > max_depth
    return raw.count(b"{") + raw.count(b"[") > max_depth
