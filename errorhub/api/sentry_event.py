"""An event in the shape of Sentry's web API (``GET /api/0/projects/{org}/{project}/events/{id}/``).

A client written for Sentry's event JSON reads ErrorHub's unchanged: the
interfaces are ``entries`` typed ``{"type", "data"}`` (exception, stacktrace,
threads, message, breadcrumbs, request, debugmeta, csp), tags a list of
``{"key", "value"}``, and ``contexts``, ``user``, ``sdk``, ``type`` at the top.
Only reads the stored event; nothing here changes what is stored.
"""

from __future__ import annotations

from typing import Any

from ingest.protocol.titles import event_culprit, event_title


def sentry_event(event: dict[str, Any]) -> dict[str, Any]:
    """The stored ``event`` as Sentry's web API returns one."""
    return {
        "id": event.get("event_id"),
        "eventID": event.get("event_id"),
        "groupID": str(event.get("issue_id")) if event.get("issue_id") is not None else None,
        "projectID": str(event.get("project_id")),
        "title": event_title(event),
        "culprit": event_culprit(event),
        "message": event.get("message") or "",
        "type": event.get("type") or ("error" if event.get("exception") else "default"),
        "platform": event.get("platform"),
        "dateCreated": event.get("timestamp"),
        "dateReceived": event.get("received_at"),
        "tags": [{"key": key, "value": value} for key, value in sorted((event.get("tags") or {}).items())],
        "entries": entries(event),
        "contexts": event.get("contexts") or {},
        "user": event.get("user") or None,
        "sdk": event.get("sdk") or None,
        "fingerprints": event.get("fingerprint") or [],
        "packages": event.get("modules") or {},
        "errors": event.get("errors") or [],
        "dist": event.get("dist"),
        "metadata": _metadata(event),
        "_meta": event.get("_meta") or {},
    }


def entries(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The interfaces the event has, in the order Sentry lists them."""
    found: list[dict[str, Any]] = []
    if event.get("exception"):
        found.append(
            {
                "type": "exception",
                "data": {"values": event["exception"], "hasSystemFrames": _has_system_frames(event["exception"])},
            }
        )
    if event.get("stacktrace"):
        found.append({"type": "stacktrace", "data": event["stacktrace"]})
    if event.get("threads"):
        found.append({"type": "threads", "data": {"values": event["threads"]}})
    if event.get("message") or event.get("message_template"):
        found.append(
            {"type": "message", "data": {"formatted": event.get("message"), "message": event.get("message_template")}}
        )
    if event.get("breadcrumbs"):
        found.append({"type": "breadcrumbs", "data": {"values": event["breadcrumbs"]}})
    if event.get("request"):
        found.append({"type": "request", "data": _request(event["request"])})
    if event.get("debug_meta"):
        found.append({"type": "debugmeta", "data": event["debug_meta"]})
    for name in ("csp", "expectct", "expectstaple", "hpkp"):
        if event.get(name):
            found.append({"type": name, "data": event[name]})
    return found


def _has_system_frames(chain: list[dict[str, Any]]) -> bool:
    """Whether a frame outside the app is in the chain (Sentry's UI offers "full stack" then)."""
    return any(
        frame.get("in_app") is not True for exc in chain for frame in (exc.get("stacktrace") or {}).get("frames") or []
    )


def _request(request: dict[str, Any]) -> dict[str, Any]:
    """Sentry lists headers as ``[name, value]`` pairs."""
    data = dict(request)
    data["headers"] = [[name, value] for name, value in (request.get("headers") or {}).items()]
    return data


def _metadata(event: dict[str, Any]) -> dict[str, Any]:
    outer = (event.get("exception") or [{}])[-1]
    if outer:
        return {"type": outer.get("type") or "", "value": outer.get("value") or ""}
    return {"title": event_title(event)}
