"""Browser security reports (CSP ``report-uri`` and Reporting API) as events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit


def _csp_body(body: Any) -> dict[str, Any] | None:
    if isinstance(body, dict) and isinstance(body.get("csp-report"), dict):
        return body["csp-report"]
    if isinstance(body, list) and body and isinstance(body[0], dict):  # Reporting API batch: first report
        return body[0].get("body") if isinstance(body[0].get("body"), dict) else None
    if isinstance(body, dict) and isinstance(body.get("body"), dict):
        return body["body"]
    return None


def _get(report: dict[str, Any], *names: str) -> str:
    for name in names:
        if report.get(name):
            return str(report[name])[:1024]
    return ""


def event_from_security_report(body: Any, *, project_id: int, received_at: datetime,
                               event_id: str | None = None) -> dict[str, Any] | None:
    report = _csp_body(body)
    if report is None:
        return None
    directive = _get(report, "effective-directive", "effectiveDirective", "violated-directive",
                     "violatedDirective").split(" ")[0]
    blocked = _get(report, "blocked-uri", "blockedURL", "blocked-url") or "self"
    document = _get(report, "document-uri", "documentURL", "document-url")
    blocked_host = urlsplit(blocked).netloc or blocked
    return {
        "event_id": event_id or uuid.uuid4().hex,
        "project_id": project_id,
        "received_at": received_at.isoformat(),
        "timestamp": received_at.isoformat(),
        "platform": "javascript",
        "level": "error",
        "message": f"Blocked '{directive}' from '{blocked_host}'",
        "request": {"url": document},
        "tags": {"csp.directive": directive, "blocked-uri": blocked_host[:200]},
        "extra": {k: str(v)[:1024] for k, v in list(report.items())[:30]},
        "fingerprint": ["csp", directive, blocked_host],
        "source": "security:csp",
    }
