"""Shape a stored event for the templates: pure functions over the event dict.

Nothing here marks anything safe; templates auto-escape every string. Links are
only built from URLs whose scheme is http or https.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.urls import reverse


def http_url(value: Any) -> str:
    """``value`` when it is an absolute http(s) URL, else "" (no ``javascript:`` links)."""
    if not isinstance(value, str):
        return ""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return ""
    return value.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def search_link(key: str, value: str) -> str:
    """The issues search for one ``key:value`` (quoted, so the value stays literal)."""
    quoted = '"' + value.replace('"', "") + '"' if any(c in value for c in ' ":[]') else value
    return reverse("issues") + "?" + urlencode({"query": f"{key}:{quoted}"})


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)


def _frame(raw: dict[str, Any]) -> dict[str, Any]:
    lineno = raw.get("lineno") if isinstance(raw.get("lineno"), int) else None
    pre, post = raw.get("pre_context") or [], raw.get("post_context") or []
    lines: list[tuple[int | None, str, bool]] = []
    if raw.get("context_line") is not None:
        first = lineno - len(pre) if lineno is not None else None
        for i, text in enumerate(pre):
            lines.append((first + i if first is not None else None, str(text), False))
        lines.append((lineno, str(raw.get("context_line")), True))
        for i, text in enumerate(post):
            lines.append((lineno + 1 + i if lineno is not None else None, str(text), False))
    package = str(raw.get("package") or "")
    return {
        "where": raw.get("filename")
        or raw.get("abs_path")
        or raw.get("module")
        or package.replace("\\", "/").rsplit("/", 1)[-1]
        or "?",
        "module": raw.get("module") or "",
        "function": raw.get("function") or raw.get("symbol") or "?",
        "lineno": lineno,
        "colno": raw.get("colno"),
        "in_app": bool(raw.get("in_app")),
        "lines": lines,
        # native frames: where in which binary (issue #19)
        "address": raw.get("instruction_addr") or "",
        "package": package,
        "symbol": raw.get("symbol") or "",
        "minified": minified_frame(raw),
    }


def minified_frame(raw: dict[str, Any]) -> dict[str, Any] | None:
    """The minified frame a source map resolved this one from (kept in ``data.sourcemap``), if any."""
    data = raw.get("data")
    kept = data.get("sourcemap") if isinstance(data, dict) else None
    if not isinstance(kept, dict):
        return None
    return {
        "where": kept.get("abs_path") or kept.get("filename") or "?",
        "function": kept.get("function") or "?",
        "lineno": kept.get("lineno"),
        "colno": kept.get("colno"),
    }


def sourcemap_problems(event: dict[str, Any]) -> list[dict[str, str]]:
    """Why frames stayed minified: the ``js_*`` entries processing put in the event's ``errors``."""
    return [
        {"url": str(e.get("url") or ""), "reason": str(e.get("reason") or e.get("type"))}
        for e in (event.get("errors") or [])
        if isinstance(e, dict) and str(e.get("type", "")).startswith("js_")
    ]


def _frames(stacktrace: Any) -> list[dict[str, Any]]:
    """A stack's frames, most recent call first."""
    frames = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
    return [_frame(f) for f in reversed(frames) if isinstance(f, dict)] if isinstance(frames, list) else []


def threads(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The event's threads, the crashed one first (then the current one, then as sent), with their frames;
    a top-level stack trace (a message event's) shows as one unnamed thread."""
    raws = [t for t in (event.get("threads") or []) if isinstance(t, dict)]
    ordered = sorted(raws, key=lambda t: (t.get("crashed") is not True, t.get("current") is not True))
    out = [
        {
            "id": t.get("id"),
            "name": t.get("name") or "",
            "crashed": t.get("crashed") is True,
            "current": t.get("current") is True,
            "state": t.get("state") or "",
            "frames": _frames(t.get("stacktrace")),
        }
        for t in ordered
    ]
    if isinstance(event.get("stacktrace"), dict):
        out.insert(
            0,
            {
                "id": None,
                "name": "stack trace",
                "crashed": False,
                "current": False,
                "state": "",
                "frames": _frames(event["stacktrace"]),
            },
        )
    return out


def debug_images(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The loaded binaries of a native event (address, name, debug id)."""
    images = (event.get("debug_meta") or {}).get("images") or []
    return [
        {
            "address": i.get("image_addr") or "",
            "file": i.get("code_file") or i.get("name") or "",
            "debug_id": i.get("debug_id") or i.get("uuid") or "",
            "type": i.get("type") or "",
        }
        for i in images
        if isinstance(i, dict)
    ]


def exceptions(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The chain outermost first; each trace's frames most recent call first."""
    out = []
    for exc in reversed(event.get("exception") or []):
        frames = [
            _frame(f) for f in reversed(((exc.get("stacktrace") or {}).get("frames")) or []) if isinstance(f, dict)
        ]
        mechanism = exc.get("mechanism") or {}
        out.append(
            {
                "type": exc.get("type") or "",
                "value": exc.get("value") or "",
                "module": exc.get("module"),
                "handled": mechanism.get("handled"),
                "mechanism": mechanism.get("type") or "",
                "frames": frames,
                "omitted": (exc.get("stacktrace") or {}).get("frames_omitted") or 0,
            }
        )
    return out


def breadcrumbs(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": b.get("timestamp") or "",
            "category": b.get("category") or b.get("type") or "",
            "level": b.get("level") or "",
            "message": b.get("message") or "",
            "data": pretty(b["data"]) if b.get("data") else "",
        }
        for b in (event.get("breadcrumbs") or [])
        if isinstance(b, dict)
    ]


def present(event: dict[str, Any]) -> dict[str, Any]:
    request = event.get("request") or {}
    user = {k: v for k, v in (event.get("user") or {}).items() if v not in (None, "", {})}
    tags = sorted((str(k), str(v)) for k, v in (event.get("tags") or {}).items())
    ids = [
        (label, event.get(key)) for label, key in (("Trace", "trace_id"), ("Request", "request_id")) if event.get(key)
    ]
    return {
        "raw": event,
        "exceptions": exceptions(event),
        "threads": threads(event),
        "images": debug_images(event),
        "breadcrumbs": breadcrumbs(event),
        "sourcemap_problems": sourcemap_problems(event),
        "request": request,
        "request_link": http_url(request.get("url")),
        "request_headers": sorted((request.get("headers") or {}).items()),
        "user": sorted(user.items()),
        "tags": [(k, v, search_link(k if k.isidentifier() else f"tags[{k}]", v)) for k, v in tags],
        "contexts": [(str(k), pretty(v)) for k, v in sorted((event.get("contexts") or {}).items())],
        "extra": pretty(event["extra"]) if event.get("extra") else "",
        "ids": [
            (label, value, search_link(key, value))
            for (label, value), key in zip(ids, [k for k in ("trace_id", "request_id") if event.get(k)])
        ],
    }
