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

import base64
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

import certifi
import idna
import urllib3
from django.conf import settings
from urllib3.util.ssl_match_hostname import CertificateError

# (host, port) -> the addresses the host name resolves to, in the order to try them
Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_RESPONSE_BYTES = 64 * 1024
READ_CHUNK = 8192
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# IPv6 prefixes that embed or reach an IPv4 address (or a site) without being caught by
# ``is_global`` or ``_embedded_ipv4``: IPv4-compatible (deprecated, ``::127.0.0.1``), SIIT
# (``::ffff:0:a.b.c.d``), RFC 8215 local-use NAT64, and the deprecated site-local prefix.
# None of them is a real public destination, so they are refused outright.
_REFUSED_V6 = tuple(
    ipaddress.ip_network(prefix) for prefix in ("::/96", "::ffff:0:0:0/96", "64:ff9b:1::/48", "fec0::/10")
)
# Characters left as they are when percent-encoding a path and query (as ``requests`` did)
_URL_SAFE = "!$%&'()*+,/:;=?@~"


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
    authorization: str = field(default="", repr=False)  # "Basic …" from the URL's userinfo

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
        if any(address in prefix for prefix in _REFUSED_V6):
            return False
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
            raise OutboundError(
                f"{host} resolves to a non-public address ({address}); "
                "set ERRORHUB_OUTBOUND_ALLOW_PRIVATE=1 to allow it",
                permanent=True,
            )


def _ascii_host(host: str) -> str:
    """The host name as it goes on the wire (DNS, SNI, ``Host``): IDNA for a non-ASCII name."""
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise OutboundError(f"not a valid host name: {host[:100]!r} ({exc})", permanent=True) from None


def _basic_auth(username: str | None, password: str | None) -> str:
    """The ``Authorization`` value for the URL's userinfo, percent-decoded (as ``requests`` sent it)."""
    if username is None:
        return ""
    credentials = f"{unquote(username)}:{unquote(password or '')}".encode()
    return "Basic " + base64.b64encode(credentials).decode("ascii")


def pin(url: str, *, resolve: Resolver = system_resolver) -> PinnedTarget:
    """Parse ``url``, resolve its host once and check the addresses; the target to connect to."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError(f"not an http(s) URL: {url[:200]}", permanent=True)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OutboundError(f"not a valid port in {url[:200]}", permanent=True) from None
    host = _ascii_host(parts.hostname)
    addresses = _addresses(host, port, resolve)
    if not settings.OUTBOUND_ALLOW_PRIVATE:
        _check_addresses(host, addresses)
    path = quote(parts.path or "/", safe=_URL_SAFE) + (f"?{quote(parts.query, safe=_URL_SAFE)}" if parts.query else "")
    return PinnedTarget(
        scheme=parts.scheme,
        host=host,
        port=port,
        address=addresses[0],
        path=path,
        authorization=_basic_auth(parts.username, parts.password),
    )


class _Watchdog:
    """Shuts a connection's socket when the deadline passes, wherever the exchange is blocked
    (connect, TLS handshake, request, headers or body): a blocked read then returns at once."""

    def __init__(self, conn: urllib3.connection.HTTPConnection, seconds: float) -> None:
        self.conn, self.fired = conn, False
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        sock = self.conn.sock
        if sock is not None:
            try:  # the plain socket's shutdown: an SSLSocket's own would unwrap it under the reader
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _connection(target: PinnedTarget, timeout: float) -> urllib3.connection.HTTPConnection:
    """A connection to the pinned address; for https, SNI and certificate checked against the name."""
    if target.scheme == "https":
        return urllib3.connection.HTTPSConnection(
            target.address,
            target.port,
            timeout=timeout,
            cert_reqs="CERT_REQUIRED",
            ca_certs=settings.OUTBOUND_CA_BUNDLE or certifi.where(),
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return urllib3.connection.HTTPConnection(target.address, target.port, timeout=timeout)


def _read_body(resp: urllib3.response.BaseHTTPResponse, deadline: float) -> bytes:
    """At most MAX_RESPONSE_BYTES of the body, in chunks, stopping at the deadline."""
    body = bytearray()
    while len(body) < MAX_RESPONSE_BYTES and time.monotonic() < deadline:
        chunk = resp.read(min(READ_CHUNK, MAX_RESPONSE_BYTES - len(body)))
        if not chunk:
            break
        body += chunk
    return bytes(body)


def _send(
    target: PinnedTarget, data: bytes, headers: dict[str, str], *, timeout: float, deadline: float, limit: float
) -> OutboundResponse:
    """One exchange, cut off by the watchdog at ``deadline`` (a ``time.monotonic()`` value)."""
    headers = {**headers, "Host": target.host_header}
    if target.authorization and not any(name.lower() == "authorization" for name in headers):
        headers["Authorization"] = target.authorization
    remaining = deadline - time.monotonic()
    conn = _connection(target, min(timeout, max(remaining, 0.01)))
    try:
        with _Watchdog(conn, remaining) as watchdog:
            try:
                conn.request("POST", target.path, body=data, headers=headers, preload_content=False)
                resp = conn.getresponse()
                body = _read_body(resp, deadline)
            except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError):
                if watchdog.fired:
                    raise _deadline_passed(limit) from None
                raise
        if watchdog.fired or time.monotonic() >= deadline:  # a body cut short is no answer
            raise _deadline_passed(limit)
    finally:
        conn.close()
    return OutboundResponse(status=resp.status, headers=dict(resp.headers), text=body.decode("utf-8", "replace")[:2000])


def _deadline_passed(limit: float) -> OutboundError:
    return OutboundError(f"timed out: no complete answer within {limit:g} s", permanent=False)


def post(
    url: str,
    *,
    data: bytes,
    headers: dict[str, str],
    retries: int = 2,
    timeout: float | None = None,
    deadline: float | None = None,
    resolve: Resolver = system_resolver,
) -> OutboundResponse:
    """POST ``data`` to the address checked for ``url``; returns any HTTP answer (the caller
    judges the status). ``timeout`` bounds each socket operation, ``deadline`` (seconds) the
    whole call, retries included. ``resolve`` is the seam for the DNS lookup."""
    target = pin(url, resolve=resolve)
    limit = deadline or settings.OUTBOUND_DEADLINE
    ends = time.monotonic() + limit
    last: Exception | None = None
    for _ in range(retries + 1):
        if time.monotonic() >= ends:
            raise _deadline_passed(limit)
        try:
            return _send(
                target, data, headers, timeout=timeout or settings.OUTBOUND_TIMEOUT, deadline=ends, limit=limit
            )
        except (urllib3.exceptions.SSLError, ssl.SSLError, ssl.CertificateError, CertificateError) as exc:
            # a certificate problem does not heal in a second
            raise OutboundError(f"TLS error with {target.host}: {exc}"[:500], permanent=False) from exc
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as exc:
            last = exc
    raise OutboundError(f"{type(last).__name__}: {last}"[:500], permanent=False)
