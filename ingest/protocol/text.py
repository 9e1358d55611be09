"""Text from outside made storable: what every door needs before a value reaches the
database, for the events that do not pass through the event normaliser (Sentry log
items, browser security reports). Pure Python, no Django.

PostgreSQL refuses NUL in ``text`` and ``jsonb`` values (a DataError that would fail a
whole batch), and orjson refuses lone surrogates when the event is serialised.
"""

from __future__ import annotations

__all__ = ["storable"]

#: What a NUL character becomes: visible, and never mistaken for the text around it.
REPLACEMENT = "\ufffd"


def storable(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, NUL replaced, lone surrogates replaced."""
    text = text[:limit].replace("\x00", REPLACEMENT)
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")
