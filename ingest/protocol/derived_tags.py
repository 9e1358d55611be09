"""Tags Sentry derives from an event's contexts and interfaces (pure: no Django import).

An SDK sends its own tags; Sentry adds ``level``, ``handled``, ``mechanism``,
``browser``/``browser.name``, ``os``/``os.name``, ``runtime``/``runtime.name``,
``device``/``device.family`` and ``url`` (browser and os read from the request's
User-Agent when the SDK sent no such context) so tag breakdowns and search work on
every event, whatever the SDK chose to tag (environment, release, transaction
and server name are event fields of their own here). They are stored as ordinary tags; a tag
the SDK sent itself is never overwritten.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ingest.protocol.event import Event

TAG_VALUE_CHARS = 200


def derived_tags(event: Mapping[str, Any]) -> dict[str, str]:
    """The tags Sentry would derive for ``event`` (empty values left out)."""
    contexts = _mapping(event.get("contexts"))
    tags: dict[str, str] = {"level": _text(event.get("level"))}
    tags.update(_handled(event))
    agent = _user_agent(event)
    for name in ("browser", "os", "runtime"):
        # a browser event carries no browser/os context, only its User-Agent (Sentry reads that then)
        tags.update(_name_and_version(name, contexts.get(name) or _from_agent(name, agent)))
    tags.update(_device(contexts.get("device")))
    request = event.get("request")
    if isinstance(request, Mapping):
        tags["url"] = _text(request.get("url")).split("?", 1)[0].split("#", 1)[0]
    return {key: value[:TAG_VALUE_CHARS] for key, value in tags.items() if value}


def with_derived_tags(event: Event) -> Event:
    """``event`` with the derived tags added after its own (the SDK's win and keep their order:
    the issue page breaks down the first keys of the latest event), in place."""
    own = event.get("tags") or {}
    event["tags"] = {**own, **{key: value for key, value in derived_tags(event).items() if key not in own}}
    return event


def _handled(event: Mapping[str, Any]) -> dict[str, str]:
    """``handled: yes/no`` and ``mechanism`` from the outermost exception that says."""
    chain = event.get("exception")
    for exc in reversed(chain if isinstance(chain, list) else []):
        mechanism = exc.get("mechanism") if isinstance(exc, Mapping) else None
        if isinstance(mechanism, Mapping):
            handled = mechanism.get("handled")
            tags = {"mechanism": _text(mechanism.get("type"))}
            if isinstance(handled, bool):
                tags["handled"] = "yes" if handled else "no"
            return tags
    return {}


def _name_and_version(name: str, context: Any) -> dict[str, str]:
    """``os: "iOS 17.2"`` and ``os.name: "iOS"``; a context with only a raw description uses it."""
    if not isinstance(context, Mapping):
        return {}
    label = _text(context.get("name"))
    version = _text(context.get("version"))
    if not label:
        raw = _text(context.get("raw_description"))
        return {name: raw} if raw else {}
    return {name: f"{label} {version}".strip(), f"{name}.name": label}


# (name, pattern with the version as group 1), first match wins: Edge and Opera also say Chrome,
# Chrome also says Safari.
_BROWSERS = (
    ("Edge", re.compile(r"\bEdgA?/([\d.]+)")),
    ("Opera", re.compile(r"\bOPR/([\d.]+)")),
    ("Firefox", re.compile(r"\bFirefox/([\d.]+)")),
    ("Chrome", re.compile(r"\b(?:Chrome|CriOS)/([\d.]+)")),
    ("Safari", re.compile(r"\bVersion/([\d.]+).*\bSafari/")),
)
_SYSTEMS = (
    ("Windows", re.compile(r"\bWindows NT ([\d.]+)")),
    ("iOS", re.compile(r"\b(?:iPhone|CPU) OS ([\d_]+)")),
    ("Mac OS X", re.compile(r"\bMac OS X ([\d_.]+)")),
    ("Android", re.compile(r"\bAndroid ([\d.]+)")),
    ("Linux", re.compile(r"\bLinux\b()")),
)


def _user_agent(event: Mapping[str, Any]) -> str:
    headers = _mapping(_mapping(event.get("request")).get("headers"))
    return next((_text(v) for k, v in headers.items() if isinstance(k, str) and k.lower() == "user-agent"), "")[:512]


def _from_agent(name: str, agent: str) -> dict[str, str]:
    """A browser or os context read from a User-Agent header (empty when it names none)."""
    table = {"browser": _BROWSERS, "os": _SYSTEMS}.get(name, ())
    for label, pattern in table if agent else ():
        match = pattern.search(agent)
        if match:
            return {"name": label, "version": match.group(1).replace("_", ".")}
    return {}


def _device(context: Any) -> dict[str, str]:
    if not isinstance(context, Mapping):
        return {}
    model = _text(context.get("model")) or _text(context.get("model_id"))
    return {"device": model, "device.family": _text(context.get("family"))}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    return value.strip() if isinstance(value, str) else ""
