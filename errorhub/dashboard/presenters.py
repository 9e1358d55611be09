"""Shape a stored event for the templates: pure functions over the event dict.

Nothing here marks anything safe; templates auto-escape every string. Links are
only built from URLs whose scheme is http or https.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.urls import reverse

from ingest.protocol.search.query import ALIASES, FIELDS, HAS_KEYS, TIME_KEYS

#: keys the search language reads as something other than a tag
_NOT_TAGS = frozenset({"is", "has", "assigned", *HAS_KEYS, *TIME_KEYS})


def http_url(value: Any) -> str:
    """``value`` when it is an absolute http(s) URL, else "" (no ``javascript:`` links)."""
    if not isinstance(value, str):
        return ""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return ""
    return value.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


#: characters that would end, negate, list, compare or wildcard an unquoted value
_NEEDS_QUOTES = frozenset(' ":[],*<>=\\\t\n')

#: event fields the search language answers under the tag breakdown's own key (``level:`` is not
#: one: it filters the issue's own level, so an issue's fatal events are found by the ``level`` tag)
_BREAKDOWN_FIELDS = frozenset({"environment", "release", "server_name"})

#: a tag key ``tags[...]`` can name (no space, ``]``, ``:`` or quote)
_TAG_KEY_RE = re.compile(r'[^\]\s:"]{1,200}')


def quote_value(value: str) -> str:
    """``value`` as one literal search value: quoted (``\\"`` and ``\\\\`` escaped) when it holds
    anything the search language would read as syntax; as typed otherwise."""
    if value and value[0] not in "-!" and not any(c in _NEEDS_QUOTES for c in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search_link(key: str, value: str) -> str:
    """The issues search for one ``key:value`` (quoted when needed, so the value stays literal)."""
    return reverse("issues") + "?" + urlencode({"query": f"{key}:{quote_value(value)}"})


def tag_search_key(key: str) -> str | None:
    """The search key that finds events by this breakdown key: the event field for environment,
    release and server_name; ``key`` itself for a tag the language reads as a tag (the
    documented ``browser:``); ``tags[key]`` when ``key`` also names a field or alias with another
    meaning (the ``url`` tag has no query string, ``url:`` searches the whole request URL); None
    when no search can name it."""
    if key in _BREAKDOWN_FIELDS:
        return key
    if not _TAG_KEY_RE.fullmatch(key):
        return None
    lowered = key.lower()
    plain = key.isidentifier() and lowered not in FIELDS and lowered not in ALIASES and lowered not in _NOT_TAGS
    return key if plain else f"tags[{key}]"


def tag_search_link(key: str, value: str) -> str | None:
    """The issue list filtered by one breakdown value (``/issues/?query=key:"value"``), or None
    when no query can express it (an empty value, a key ``tags[...]`` cannot hold)."""
    search_key = tag_search_key(key)
    if search_key is None or not value.strip():
        return None
    return reverse("issues") + "?" + urlencode({"query": f"{search_key}:{quote_value(value)}"})


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


#: the fewest frames of library code in a row folded behind one "show N more frames"
FOLD_AT = 2


def frame_groups(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The frames in runs for the page: where a stack has in-app frames, each run of at least
    ``FOLD_AT`` library frames is ``folded`` (one "show N more frames" line), so the app's own
    frames are on the first screen; a stack with no in-app frame shows every frame (closed)."""
    if not any(f["in_app"] for f in frames):
        return [{"folded": False, "frames": frames}] if frames else []
    groups: list[dict[str, Any]] = []
    for frame in frames:
        library = not frame["in_app"]
        if groups and groups[-1]["library"] == library:
            groups[-1]["frames"].append(frame)
        else:
            groups.append({"library": library, "frames": [frame]})
    return [{"folded": g["library"] and len(g["frames"]) >= FOLD_AT, "frames": g["frames"]} for g in groups]


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
    for thread in out:
        thread["frame_groups"] = frame_groups(thread["frames"])
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
                "frame_groups": frame_groups(_frames(event["stacktrace"])),
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
                "frame_groups": frame_groups(frames),
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
        "tags": [(k, v, tag_search_link(k, v)) for k, v in tags],
        "contexts": [(str(k), pretty(v)) for k, v in sorted((event.get("contexts") or {}).items())],
        "extra": pretty(event["extra"]) if event.get("extra") else "",
        "ids": [
            (label, value, search_link(key, value))
            for (label, value), key in zip(ids, [k for k in ("trace_id", "request_id") if event.get(k)])
        ],
    }
