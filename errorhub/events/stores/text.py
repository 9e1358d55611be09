"""The free-text part of an event: what a bare word in a search matches."""

from __future__ import annotations

from ingest.protocol.event import Event, searchable_stacks

_MAX = 8192


def search_text_of(event: Event) -> str:
    """Message, exception types/values and frame functions/modules, bounded."""
    parts: list[str] = []
    if event.get("message"):
        parts.append(str(event["message"]))
    for exc in event.get("exception") or []:
        parts.extend(str(exc[k]) for k in ("type", "value") if exc.get(k))
    for stack in searchable_stacks(event):  # exceptions', the top-level and the crashed thread's
        for frame in stack.get("frames") or []:
            parts.extend(str(frame[k]) for k in ("function", "module") if frame.get(k))
    if event.get("transaction"):
        parts.append(str(event["transaction"]))
    return " ".join(parts)[:_MAX]
