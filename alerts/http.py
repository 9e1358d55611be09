"""The one door for outbound HTTP to user-supplied URLs (webhooks, Slack webhooks).

Timeout on every request, bounded retries for connection errors only, redirects
never followed (a redirect could point at an internal address), and private,
loopback, link-local and reserved addresses refused unless
``settings.OUTBOUND_ALLOW_PRIVATE`` (tests, on-prem setups).

The host name is resolved once, every address it resolves to is checked, and the
connection goes to the first of those checked addresses: letting the HTTP client
resolve the name again would let a DNS-rebinding name answer a public address to
the check and a private one to the connection. The ``Host`` header, the TLS server
name (SNI) and the certificate check still use the host name.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings

# (host, port) -> the addresses the host name resolves to, in the order to try them
Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_RESPONSE_BYTES = 64 * 1024
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


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


@dataclass(frozen=True)
class PinnedTarget:
    """Where one request goes: the URL's parts and the one checked address to connect to."""

    scheme: str
    host: str
    port: int
    address: str
    path: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer for ``host``, each address once, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one reaches through (mapped, 6to4, Teredo, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Globally routable unicast: not loopback, link-local (cloud metadata 169.254.169.254),
    RFC 1918, shared, IPv6 ULA, multicast or reserved, nor an IPv6 form of one of those."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and not is_public(embedded):
            return False
    return address.is_global and not address.is_multicast


def _addresses(host: str, port: int, resolve: Resolver) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]  # a literal address needs no lookup
    except ValueError:
        pass
    try:
        addresses = resolve(host, port)
    except OSError as exc:
        raise OutboundError(f"cannot resolve {host}: {exc}", permanent=False) from exc
    if not addresses:
        raise OutboundError(f"{host} resolves to no address", permanent=False)
    return addresses


def _check_addresses(host: str, addresses: list[str]) -> None:
    """Every address must be public: the check holds for whichever one is used."""
    for text in addresses:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise OutboundError(f"{host} resolves to {text[:60]!r}, not an IP address", permanent=True) from None
        if not is_public(address):
            raise OutboundError(f"{host} resolves to a non-public address ({address}); "
                                "set ERRORHUB_OUTBOUND_ALLOW_PRIVATE=1 to allow it", permanent=True)


def pin(url: str, *, resolve: Resolver = system_resolver) -> PinnedTarget:
    """Parse ``url``, resolve its host once and check the addresses; the target to connect to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError(f"not an http(s) URL: {url[:200]}", permanent=True)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OutboundError(f"not a valid port in {url[:200]}", permanent=True) from None
    addresses = _addresses(parts.hostname, port, resolve)
    if not settings.OUTBOUND_ALLOW_PRIVATE:
        _check_addresses(parts.hostname, addresses)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return PinnedTarget(scheme=parts.scheme, host=parts.hostname, port=port, address=addresses[0], path=path)


def _pool(target: PinnedTarget, timeout: float) -> urllib3.HTTPConnectionPool:
    """A connection pool to the pinned address; for https, SNI and certificate checked against the name."""
    common = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False, "maxsize": 1}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address, target.port, cert_reqs="CERT_REQUIRED",
            ca_certs=settings.OUTBOUND_CA_BUNDLE or certifi.where(),
            server_hostname=target.host, assert_hostname=target.host, **common)
    return urllib3.HTTPConnectionPool(target.address, target.port, **common)


def _send(pool: urllib3.HTTPConnectionPool, target: PinnedTarget, data: bytes,
          headers: dict[str, str]) -> OutboundResponse:
    resp = pool.urlopen("POST", target.path, body=data, headers={**headers, "Host": target.host_header},
                        redirect=False, preload_content=False, assert_same_host=False)
    try:
        body = resp.read(MAX_RESPONSE_BYTES)
    finally:
        resp.release_conn()
    return OutboundResponse(status=resp.status, headers=dict(resp.headers),
                            text=body.decode("utf-8", "replace")[:2000])


def post(url: str, *, data: bytes, headers: dict[str, str], retries: int = 2,
         timeout: float | None = None, resolve: Resolver = system_resolver) -> OutboundResponse:
    """POST ``data`` to the address checked for ``url``; returns any HTTP answer (the caller
    judges the status). ``resolve`` is the seam for the DNS lookup."""
    target = pin(url, resolve=resolve)
    last: Exception | None = None
    with _pool(target, timeout or settings.OUTBOUND_TIMEOUT) as pool:
        for _ in range(retries + 1):
            try:
                return _send(pool, target, data, headers)
            except urllib3.exceptions.SSLError as exc:  # a certificate problem does not heal in a second
                raise OutboundError(f"TLS error with {target.host}: {exc}"[:500], permanent=False) from exc
            except urllib3.exceptions.HTTPError as exc:
                last = exc
    raise OutboundError(f"{type(last).__name__}: {last}"[:500], permanent=False)
