"""Find out which project key an ingest request claims, the way SDKs send it.

SDKs put the public key in one of three places (develop.sentry.dev, "Authentication"):

- the ``X-Sentry-Auth`` header: ``Sentry sentry_key=<key>, sentry_version=7, sentry_client=<sdk>/<ver>``
  (the Python SDK);
- query parameters ``?sentry_key=<key>&sentry_version=7`` (browser and Node SDKs,
  which cannot or do not set custom headers);
- the ``dsn`` envelope header ``https://<key>@host/<project_id>`` (tunnels and
  some SDKs send no other credentials).

This module only parses and cross-checks them; looking the key up is the
caller's job. Pure, no Django import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ingest.protocol.errors import ClientError

__all__ = ["AuthError", "AuthInfo", "Dsn", "auth_from_request", "parse_auth_header", "parse_dsn"]

# Sentry's keys are 32 hex digits; anything URL- and header-safe is accepted so
# that keys minted differently still work, but nothing that needs escaping.
_KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")
_VERSION_RE = re.compile(r"\d{1,3}(\.\d{1,3})?")
_MAX_CLIENT = 200
_PREFIX_RE = re.compile(r"^sentry\s+", re.IGNORECASE)


class AuthError(ClientError, ValueError):
    """Credentials are missing or malformed; ``message`` says which and why (answer 401)."""

    status = 401


@dataclass(frozen=True, slots=True)
class AuthInfo:
    """What the request claims: the public key, and what else came with it."""

    public_key: str
    client: str | None = None
    version: str | None = None
    project_id_from_dsn: int | None = None


@dataclass(frozen=True, slots=True)
class Dsn:
    """The parts of a DSN the ingest side cares about."""

    public_key: str
    project_id: int
    host: str


def parse_auth_header(value: str) -> dict[str, str]:
    """Split an ``X-Sentry-Auth`` value into its ``key=value`` pairs.

    Tolerates what SDKs actually send: an optional ``Sentry`` prefix (any
    case), spaces around commas and ``=``, and double-quoted values. Parts
    without ``=`` are ignored rather than failing the request.
    """
    text = _PREFIX_RE.sub("", value.strip(), count=1)
    pairs: dict[str, str] = {}
    for part in text.split(","):
        name, sep, raw = part.partition("=")
        if sep:
            pairs[name.strip().lower()] = raw.strip().strip('"').strip()
    return pairs


def parse_dsn(dsn: str) -> Dsn:
    """Parse ``scheme://<public_key>[:secret]@host[:port]/[path/]<project_id>``."""
    try:
        parts = urlsplit(dsn.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise AuthError(f"dsn {dsn!r:.120} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise AuthError(f"dsn {dsn!r:.120} must be an http(s) URL with a host")
    if not parts.username:
        raise AuthError(f"dsn {dsn!r:.120} has no public key before the '@'")
    project = parts.path.rstrip("/").rpartition("/")[2]
    if not project.isdigit() or not project.isascii():
        raise AuthError(f"dsn {dsn!r:.120} must end in a numeric project id")
    return Dsn(public_key=_valid_key(parts.username, "dsn public key"), project_id=int(project), host=host)


def auth_from_request(
    *,
    header: str | None = None,
    query: Mapping[str, str] | None = None,
    envelope_headers: Mapping[str, Any] | None = None,
) -> AuthInfo:
    """Combine the header, query string and envelope ``dsn`` into one AuthInfo.

    Precedence is header, then query, then DSN, as Sentry does. A DSN whose
    key disagrees with an explicit ``sentry_key`` is refused: such a request
    is misconfigured, and silently picking one would file events under the
    wrong project.
    """
    fields = _explicit_fields(header, query or {})
    dsn = _envelope_dsn(envelope_headers)
    key = fields.get("sentry_key")
    if key is not None:
        key = _valid_key(key, "sentry_key")
        if dsn is not None and dsn.public_key != key:
            raise AuthError("sentry_key does not match the public key of the dsn in the envelope header")
    elif dsn is not None:
        key = dsn.public_key
    else:
        raise AuthError("no sentry_key: send an X-Sentry-Auth header, a sentry_key query parameter or a dsn")
    return AuthInfo(
        public_key=key,
        client=_valid_client(fields.get("sentry_client")),
        version=_valid_version(fields.get("sentry_version")),
        project_id_from_dsn=dsn.project_id if dsn else None,
    )


def _explicit_fields(header: str | None, query: Mapping[str, str]) -> dict[str, str]:
    """Header fields if the header carries a key, else the query's sentry_* params."""
    if header and header.strip():
        fields = parse_auth_header(header)
        if "sentry_key" in fields:
            return fields
    return {name: value for name, value in query.items() if name.startswith("sentry_")}


def _envelope_dsn(envelope_headers: Mapping[str, Any] | None) -> Dsn | None:
    """The envelope header ``dsn`` parsed, or None if absent."""
    raw = (envelope_headers or {}).get("dsn")
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise AuthError("envelope header dsn must be a string")
    return parse_dsn(raw)


def _valid_key(key: str, what: str) -> str:
    if not _KEY_RE.fullmatch(key):
        raise AuthError(f"{what} {key!r:.60} is not a valid public key")
    return key


def _valid_version(version: str | None) -> str | None:
    if version is None or version == "":
        return None
    if not _VERSION_RE.fullmatch(version):
        raise AuthError(f"sentry_version {version!r:.20} is not a protocol version number like 7")
    return version


def _valid_client(client: str | None) -> str | None:
    """Keep the SDK name/version for display; truncated, control characters dropped."""
    if not client:
        return None
    return "".join(ch for ch in client if ch.isprintable())[:_MAX_CLIENT] or None
