"""The one door for outbound HTTP to user-supplied URLs (webhooks, Slack webhooks).

Timeout on every request, bounded retries for connection errors only, redirects
never followed (a redirect could point at an internal address), and private,
loopback, link-local and reserved addresses refused unless
``settings.OUTBOUND_ALLOW_PRIVATE`` (tests, on-prem setups).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class OutboundError(Exception):
    """The request could not be made or was refused; ``permanent`` says whether retrying can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass
class OutboundResponse:
    status: int
    headers: dict[str, str]
    text: str


def _check_address(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError(f"not an http(s) URL: {url[:200]}", permanent=True)
    if settings.OUTBOUND_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise OutboundError(f"cannot resolve {parts.hostname}: {exc}", permanent=False) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise OutboundError(f"{parts.hostname} resolves to a non-public address ({address}); "
                                "set ERRORHUB_OUTBOUND_ALLOW_PRIVATE=1 to allow it", permanent=True)


def post(url: str, *, data: bytes, headers: dict[str, str], retries: int = 2,
         timeout: float | None = None) -> OutboundResponse:
    """POST ``data``; returns any HTTP answer (the caller judges the status)."""
    import requests  # on first use: ~15 MiB that processes which never post a webhook do without

    _check_address(url)
    last: Exception | None = None
    for _ in range(retries + 1):
        try:
            resp = requests.post(url, data=data, headers=headers, allow_redirects=False,
                                 timeout=timeout or settings.OUTBOUND_TIMEOUT)
        except (requests.ConnectionError, requests.Timeout) as exc:
            last = exc
            continue
        return OutboundResponse(status=resp.status_code, headers=dict(resp.headers), text=resp.text[:2000])
    raise OutboundError(f"{type(last).__name__}: {last}"[:500], permanent=False)
