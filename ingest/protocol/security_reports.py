"""Browser security reports as events: CSP, Expect-CT, HPKP, Expect-Staple, and the
Reporting API (``application/reports+json``: CSP violations, Network Error Logging,
deprecations, interventions, crashes ...).

``parse_security_reports`` turns a request body into one ``SecurityReport`` per
report, or raises ``SecurityReportError`` (a 400) for a body that is no known
report: the view and the worker call the same function, so a body the view
accepted is never skipped later. Each report becomes its own event
(``event_from_security_report``) with a title and culprit after Sentry's
("Blocked 'script' from 'evil.com'" / the directive, "Expect-CT failed for
'host'" ...), so it groups and reads like any other issue.

Pure Python, no Django.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import orjson

from ingest.protocol.errors import ClientError
from ingest.protocol.event import Event
from ingest.protocol.text import storable

__all__ = [
    "SecurityReport",
    "SecurityReportError",
    "event_from_security_report",
    "parse_security_reports",
    "report_event_id",
]

#: A Reporting-API batch holds what a browser queued for a minute or so; more is not a browser.
MAX_REPORTS = 100
_KNOWN = "csp-report, expect-ct-report, expect-staple-report, an HPKP report or a Reporting-API list"


class SecurityReportError(ClientError):
    """The body of a security report request is not a report ErrorHub can read."""


@dataclass(frozen=True, slots=True)
class SecurityReport:
    """One report: ``kind`` (csp, expect-ct, hpkp, expect-staple, or a Reporting-API type),
    its ``body`` object, and the page ``url`` it came from when the envelope says so."""

    kind: str
    body: dict[str, Any]
    url: str = ""


def parse_security_reports(data: bytes) -> list[SecurityReport]:
    """The reports in a security endpoint body; SecurityReportError says what is wrong."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SecurityReportError(f"invalid security report: not valid JSON ({exc})") from None
    if isinstance(value, list):
        return _reporting_batch(value)
    if not isinstance(value, dict):
        raise SecurityReportError(f"invalid security report: expected {_KNOWN}")
    for key, kind in (
        ("csp-report", "csp"),
        ("expect-ct-report", "expect-ct"),
        ("expect-staple-report", "expect-staple"),
    ):
        if key in value:
            return [_legacy(kind, value[key], key)]
    if "known-pins" in value or "noted-hostname" in value:
        return [_legacy("hpkp", value, "HPKP report")]
    if "type" in value and "body" in value:
        return _reporting_batch([value])
    raise SecurityReportError(f"invalid security report: expected {_KNOWN}")


def _legacy(kind: str, body: Any, where: str) -> SecurityReport:
    if not isinstance(body, dict):
        raise SecurityReportError(f"invalid security report: {where} must be an object")
    needed = ("effective-directive", "violated-directive") if kind == "csp" else ("hostname",)
    if not any(isinstance(body.get(name), str) and body[name] for name in needed):
        raise SecurityReportError(f"invalid security report: {where} has no {' or '.join(needed)}")
    return SecurityReport(kind=kind, body=body, url=_text(body.get("document-uri")))


def _reporting_batch(reports: list[Any]) -> list[SecurityReport]:
    if not reports:
        raise SecurityReportError("invalid security report: the report list is empty")
    if len(reports) > MAX_REPORTS:
        raise SecurityReportError(f"invalid security report: more than {MAX_REPORTS} reports in one request")
    out = []
    for number, report in enumerate(reports):
        if (
            not isinstance(report, dict)
            or not isinstance(report.get("type"), str)
            or not report["type"]
            or not isinstance(report.get("body"), dict)
        ):
            raise SecurityReportError(
                f"invalid security report: report {number} must be an object with a type string and a body object"
            )
        kind = "csp" if report["type"] == "csp-violation" else report["type"][:64]
        out.append(SecurityReport(kind=kind, body=report["body"], url=_text(report.get("url"))))
    return out


def _text(value: Any, limit: int = 1024) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _get(report: dict[str, Any], *names: str) -> str:
    for name in names:
        if isinstance(report.get(name), (str, int, float)) and report[name] != "":
            return str(report[name])[:1024]
    return ""


def _host(uri: str) -> str:
    """What a title names: the host of a URL, ``data:``-style schemes, or the keyword itself
    (also for a URL ``urlsplit`` cannot read, such as ``http://[x``: the raw text)."""
    try:
        parts = urlsplit(uri) if "://" in uri or ":" in uri[:12] else None
    except ValueError:  # "Invalid IPv6 URL": a browser reports what the page had
        return uri
    if parts and parts.netloc:
        return parts.netloc
    if parts and parts.scheme and not parts.netloc:
        return f"{parts.scheme}:"
    return uri


_CSP_NOUNS = {
    "child-src": "child",
    "font-src": "font",
    "frame-src": "frame",
    "frame-ancestors": "frame-ancestor",
    "img-src": "image",
    "manifest-src": "manifest",
    "media-src": "media",
    "object-src": "object",
    "script-src": "script",
    "script-src-elem": "script",
    "script-src-attr": "script",
    "style-src": "style",
    "style-src-elem": "style",
    "style-src-attr": "style",
    "worker-src": "worker",
    "base-uri": "base",
    "prefetch-src": "prefetch",
    "default-src": "default",
}


def _csp_title(directive: str, blocked: str) -> str:
    if directive == "connect-src":
        return f"Blocked connection to '{_host(blocked)}'"
    if directive == "form-action":
        return f"Blocked form action to '{_host(blocked)}'"
    noun = _CSP_NOUNS.get(directive, directive or "resource")
    if blocked in ("inline", "eval", "wasm-eval"):
        return f"Blocked unsafe {'eval()' if blocked == 'eval' else blocked} '{noun}'"
    return f"Blocked '{noun}' from '{_host(blocked)}'"


def _csp(report: SecurityReport) -> tuple[str, str, dict[str, str], list[str]]:
    body = report.body
    violated = _get(body, "violated-directive", "violatedDirective")
    directive = (_get(body, "effective-directive", "effectiveDirective") or violated).split(" ")[0]
    blocked = _get(body, "blocked-uri", "blockedURL", "blocked-url") or "self"
    title = _csp_title(directive, blocked)
    return (
        title,
        violated or directive,
        {"csp.directive": directive, "blocked-uri": _host(blocked)[:200]},
        ["csp", directive, _host(blocked)],
    )


def _host_report(verb: str) -> Any:
    def build(report: SecurityReport) -> tuple[str, str, dict[str, str], list[str]]:
        host = _get(report.body, "hostname")
        port = _get(report.body, "port")
        where = f"{host}:{port}" if port else host
        return f"{verb} for '{host}'", where, {"hostname": host[:200]}, [report.kind, host]

    return build


_NEL_TYPES = {
    "dns.name_not_resolved": "DNS name not resolved",
    "tcp.refused": "Connection refused",
    "tcp.timed_out": "Connection timed out",
    "tcp.reset": "Connection reset",
    "tcp.closed": "Connection closed",
    "tls.cert.invalid": "Invalid TLS certificate",
    "tls.protocol.error": "TLS protocol error",
    "http.error": "HTTP error",
    "http.protocol.error": "HTTP protocol error",
    "abandoned": "Abandoned",
}


def _network_error(report: SecurityReport) -> tuple[str, str, dict[str, str], list[str]]:
    kind = _get(report.body, "type") or "unknown"
    status = _get(report.body, "status_code", "statusCode")
    what = _NEL_TYPES.get(kind, kind) + (f" {status}" if status and status != "0" else "")
    host = _host(report.url) if report.url else ""
    title = f"NEL: {what}" + (f" for '{host}'" if host else "")
    return (
        title,
        report.url,
        {"nel.type": kind[:200], "nel.phase": _get(report.body, "phase")[:200]},
        ["nel", kind, host],
    )


def _browser_message(label: str) -> Any:
    def build(report: SecurityReport) -> tuple[str, str, dict[str, str], list[str]]:
        ident = _get(report.body, "id")
        message = _get(report.body, "message") or ident or "no message"
        source = _get(report.body, "sourceFile", "source_file")
        line = _get(report.body, "lineNumber", "line_number")
        culprit = f"{source}:{line}" if source and line else source or report.url
        return f"{label}: {message}", culprit, {f"{report.kind}.id": ident[:200]}, [report.kind, ident or message]

    return build


def _crash(report: SecurityReport) -> tuple[str, str, dict[str, str], list[str]]:
    reason = _get(report.body, "reason") or "unknown"
    return f"Crash: {reason}", report.url, {"crash.reason": reason[:200]}, ["crash", reason, _host(report.url)]


def _other(report: SecurityReport) -> tuple[str, str, dict[str, str], list[str]]:
    message = _get(report.body, "message") or _get(report.body, "featureId", "id")
    title = f"{report.kind} report" + (f": {message}" if message else "")
    return title, report.url, {}, [report.kind, message]


_BUILDERS = {
    "csp": _csp,
    "expect-ct": _host_report("Expect-CT failed"),
    "hpkp": _host_report("Pin validation failed"),
    "expect-staple": _host_report("Expect-Staple failed"),
    "network-error": _network_error,
    "deprecation": _browser_message("Deprecation"),
    "intervention": _browser_message("Intervention"),
    "crash": _crash,
}


def report_event_id(request_event_id: str, index: int) -> str:
    """The event id of report ``index`` of a request: the request's own for the first,
    derived from it for the others, so a retried payload de-duplicates."""
    if index == 0:
        return request_event_id
    return uuid.uuid5(uuid.UUID(hex=request_event_id), str(index)).hex


def event_from_security_report(
    report: SecurityReport, *, project_id: int, received_at: datetime, event_id: str
) -> Event:
    """The event of one report: title as ``message``, culprit as ``transaction``.

    Every text is ``storable`` (no NUL, no lone surrogate): these events skip the event
    normaliser, and one such character would fail the whole batch in the database.
    """
    title, culprit, tags, fingerprint = _BUILDERS.get(report.kind, _other)(report)
    kind = storable(report.kind, 64)
    return {
        "event_id": event_id,
        "project_id": project_id,
        "received_at": received_at.isoformat(),
        "timestamp": received_at.isoformat(),
        "platform": "javascript",
        "level": "error",
        "message": storable(title, 1024),
        "transaction": storable(culprit, 200),
        "request": {"url": storable(report.url, 1024)},
        "tags": {"security.type": kind, **{k: storable(v, 200) for k, v in tags.items() if v}},
        "extra": {storable(str(k), 200): storable(_extra(v), 1024) for k, v in list(report.body.items())[:30]},
        "fingerprint": [storable(part, 200) for part in fingerprint],
        "source": f"security:{kind}",
    }


def _extra(value: Any) -> str:
    """A report value as bounded text (orjson: no recursion on a deeply nested value)."""
    if isinstance(value, str):
        return value[:1024]
    try:
        return orjson.dumps(value).decode()[:1024]
    except TypeError:  # orjson refuses > 254 levels or huge ints: the value is still kept, as its type
        return f"<{type(value).__name__}>"
