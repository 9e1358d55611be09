"""The platforms an event may name (pure: no Django import).

Sentry accepts a fixed list for the event's ``platform`` and stores anything
else as ``other``: the platform picks culprit rules, frame grouping and the
issue's icon, so a free-form value (a UUID, a build name) must not become one.
A frame may name its own platform (a React Native event mixes ``javascript``
and ``cocoa`` frames); the same list applies to it.
"""

from __future__ import annotations

from typing import Any

# Sentry's event protocol list (Relay's ``VALID_PLATFORMS``).
VALID_PLATFORMS = frozenset({
    "as3", "c", "cfml", "cocoa", "csharp", "elixir", "go", "groovy", "haskell", "java",
    "javascript", "native", "node", "objc", "other", "perl", "php", "python", "ruby",
})  # fmt: skip

NATIVE_PLATFORMS = frozenset({"native", "c", "cocoa", "objc"})
JAVASCRIPT_PLATFORMS = frozenset({"javascript", "node"})


def normalize_platform(value: Any) -> str:
    """The event's platform from Sentry's list, lower-cased; anything else is ``other``."""
    if isinstance(value, str):
        name = value.strip().lower()
        if name in VALID_PLATFORMS:
            return name
    return "other"


def frame_platform(value: Any) -> str | None:
    """A frame's own platform when it names a known one, else None (the event's applies)."""
    if isinstance(value, str) and value.strip().lower() in VALID_PLATFORMS:
        return value.strip().lower()
    return None
