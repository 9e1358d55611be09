"""Ordering of releases: semantic versions when both parse, else first-seen order."""

from __future__ import annotations

import re

_SEMVER = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-.]?([0-9A-Za-z.-]+))?(?:\+.*)?$")


def _version_part(release: str) -> str:
    """``package@1.2.3`` -> ``1.2.3`` (Sentry's release naming convention)."""
    return release.rsplit("@", 1)[-1].lstrip("vV")


def semver_key(release: str) -> tuple | None:
    match = _SEMVER.match(_version_part(release))
    if not match:
        return None
    major, minor, patch, pre = match.groups()
    # a pre-release sorts before its final release
    return (int(major), int(minor or 0), int(patch or 0), 0 if pre else 1, pre or "")


def release_is_older(candidate: str, reference: str, first_seen: dict[str, object]) -> bool:
    """True when ``candidate`` is strictly older than ``reference``.

    ``first_seen`` maps release -> first-seen time for the fallback ordering;
    a release never seen before counts as new, never as older.
    """
    if not candidate or not reference or candidate == reference:
        return False
    a, b = semver_key(candidate), semver_key(reference)
    same_package = candidate.rsplit("@", 1)[0] == reference.rsplit("@", 1)[0] or "@" not in candidate
    if a is not None and b is not None and same_package:
        return a < b
    seen_a, seen_b = first_seen.get(candidate), first_seen.get(reference)
    if seen_a is None or seen_b is None:
        return False
    return seen_a < seen_b  # type: ignore[operator]
