"""Build and read ``X-Sentry-Rate-Limits``, the header SDKs back off on.

Format (develop.sentry.dev, "Rate Limiting")::

    X-Sentry-Rate-Limits: <limit>, <limit>, ...
    <limit> = retry_after:categories:scope[:reason_code[:namespaces]]

``categories`` is ``;``-separated and empty means every category. SDKs honour
this header on any response, even a 200, so the ingest view can tell a client
to stop sending, say, transactions while still accepting errors. Spaces in the
header are insignificant. Pure, no Django import.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.protocol.errors import ClientError

__all__ = [
    "SCOPES",
    "RateLimit",
    "RateLimitHeaderError",
    "format_rate_limit",
    "format_rate_limits",
    "parse_rate_limits",
    "retry_after_seconds",
]

SCOPES = frozenset({"organization", "project", "key"})
_TOKEN_RE = re.compile(r"[a-z0-9_.\-]+")


class RateLimitHeaderError(ClientError, ValueError):
    """A rate limit that cannot be written or read; ``message`` says why."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """One quota limit: how long, for which data categories, at which scope."""

    retry_after: float
    categories: tuple[str, ...] = ()
    scope: str = "organization"
    reason_code: str | None = None
    namespaces: tuple[str, ...] = ()

    def applies_to(self, category: str) -> bool:
        """An empty category list limits everything."""
        return not self.categories or category in self.categories


def format_rate_limit(limit: RateLimit) -> str:
    """One ``retry_after:categories:scope[:reason_code[:namespaces]]`` entry.

    Seconds are rounded up: telling a client to come back a fraction early
    only earns it another 429.
    """
    if not math.isfinite(limit.retry_after) or limit.retry_after < 0:
        raise RateLimitHeaderError(f"retry_after must be a finite number >= 0, got {limit.retry_after!r}")
    if limit.scope not in SCOPES:
        raise RateLimitHeaderError(f"scope must be one of {sorted(SCOPES)}, got {limit.scope!r}")
    fields = [str(math.ceil(limit.retry_after)), _join_tokens(limit.categories, "category"), limit.scope]
    if limit.reason_code is not None or limit.namespaces:
        fields.append(_check_token(limit.reason_code, "reason_code") if limit.reason_code else "")
    if limit.namespaces:
        fields.append(_join_tokens(limit.namespaces, "namespace"))
    return ":".join(fields)


def format_rate_limits(limits: Iterable[RateLimit]) -> str:
    """The full header value; ``", "`` between limits, as Relay writes it."""
    return ", ".join(format_rate_limit(limit) for limit in limits)


def retry_after_seconds(limits: Iterable[RateLimit]) -> int:
    """The plain ``Retry-After`` to send alongside: the longest limit, rounded up."""
    return max((math.ceil(limit.retry_after) for limit in limits), default=0)


def parse_rate_limits(value: str) -> list[RateLimit]:
    """Read a header value back into RateLimit objects.

    Follows the SDK rules: whitespace is ignored, ``retry_after`` may be a
    float, and fields beyond the known ones are ignored for forward
    compatibility. A missing scope reads as ``""``.
    """
    limits = []
    for entry in "".join(value.split()).split(","):
        if entry:
            limits.append(_parse_one(entry))
    return limits


def _parse_one(entry: str) -> RateLimit:
    fields = entry.split(":") + ["", "", "", ""]
    try:
        retry_after = float(fields[0])
    except ValueError:
        raise RateLimitHeaderError(f"retry_after {fields[0]!r:.30} in {entry!r:.80} is not a number") from None
    if not math.isfinite(retry_after) or retry_after < 0:
        raise RateLimitHeaderError(f"retry_after in {entry!r:.80} must be a finite number >= 0")
    return RateLimit(
        retry_after=retry_after,
        categories=_split_tokens(fields[1]),
        scope=fields[2],
        reason_code=fields[3] or None,
        namespaces=_split_tokens(fields[4]),
    )


def _split_tokens(field: str) -> tuple[str, ...]:
    return tuple(token for token in field.split(";") if token)


def _join_tokens(tokens: Iterable[str], what: str) -> str:
    return ";".join(_check_token(token, what) for token in dict.fromkeys(tokens))


def _check_token(token: str, what: str) -> str:
    """Refuse names that would break the header's ``:``/``;``/``,`` syntax."""
    if not _TOKEN_RE.fullmatch(token):
        raise RateLimitHeaderError(f"{what} {token!r:.40} must be lowercase letters, digits, '_', '.' or '-'")
    return token
