"""Web-server access and error logs -> Events for server errors (pure, no Django).

Access lines: nginx/Apache common and combined, nginx ``main`` (combined +
``$http_x_forwarded_for``), ingress-nginx ``upstreaminfo``, and JSON access logs
(nginx ``log_format ... escape=json``, Caddy, Traefik, ECS ``http.*``, Heroku
router logfmt lines). A 5xx becomes one Event grouped by
``["http-5xx", service, method, route template, status]``: the route template
collapses ids, numbers, UUIDs, hex and hash-like segments, so ``GET
/users/123/orders/9f8e...`` and ``GET /users/7/orders/a1b2...`` are one issue.

Error logs: nginx ``2021/04/01 13:02:31 [error] 31#31: *1 ...`` and Apache
``[...] [module:level] [pid N:tid M] [client ip:port] ...``; ``error`` and worse
(``crit``, ``alert``, ``emerg``) become Events.

The common/combined format is the same for both servers; we call it Apache when
the identd field is set or the referer/agent are absent (Apache's ``common``),
nginx otherwise (nginx always writes ``-`` there and defaults to ``combined``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from ingest.protocol.event import LEVEL_ALIASES, Event
from ingest.protocol.logs.formats.timestamps import normalise, parse_clf, parse_ctime, parse_slashed
from ingest.protocol.logs.structured import message_template_of

_COMBINED = re.compile(
    r'(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)'
    r'(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(.*)\Z',
    re.S,
)
_QUOTED_TAIL = re.compile(r' "((?:[^"\\]|\\.)*)"\s*\Z')
_UPSTREAMINFO_TAIL = re.compile(r" (\d+) ([\d.]+) \[([^\]]*)\] \[([^\]]*)\] (.+) (\S+)\s*\Z")
_NGINX_ERROR = re.compile(r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(\w+)\] (\d+)#(\d+): (?:\*(\d+) )?(.*)\Z", re.S)
_NGINX_ERROR_KV = re.compile(r', (client|server|request|upstream|host|referrer|subrequest): ("(?:[^"\\]|\\.)*"|[^,]*)')
_APACHE_ERROR = re.compile(
    r"\[([^\]]+)\] \[(?:([^:\]\s]+):)?(\w+)\](?: \[pid (\d+)(?::tid (\d+))?\])?"
    r"(?: \[client ([^\]]+)\])? ?(.*)\Z",
    re.S,
)
_REQUEST_LINE = re.compile(r"([A-Z][A-Z_-]{1,19}) (\S+)(?: (HTTP/[\d.]+))?\Z")
#: nginx/Apache error-log severities that make an event (the rest are counted), named by the one alias table
_ERROR_SEVERITIES = {word: LEVEL_ALIASES[word] for word in ("error", "crit", "alert", "emerg")}


@dataclass(slots=True)
class AccessRecord:
    """One parsed access-log or error-log line."""

    kind: str  # "access" | "error"
    server: str  # nginx | apache | caddy | traefik | heroku | json
    format: str  # common, combined, main, ingress_upstreaminfo, json, error ...
    timestamp: str | None = None
    client: str | None = None
    user: str | None = None
    method: str | None = None
    url: str | None = None
    protocol: str | None = None
    status: int | None = None
    size: int | None = None
    referer: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    host: str | None = None
    severity: str | None = None  # error logs
    message: str | None = None  # error logs
    fields: dict[str, Any] = field(default_factory=dict)  # everything else the line held

    @property
    def path(self) -> str | None:
        return split_url(self.url)[0] if self.url else None


def split_url(url: str) -> tuple[str, str | None]:
    """``/a/b?x=1`` or ``http://h/a/b?x=1`` -> (``/a/b``, ``x=1``)."""
    if "://" in url:
        rest = url.split("://", 1)[1]
        url = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    path, _, query = url.partition("?")
    return path.split("#", 1)[0], query or None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _dash(value: str | None) -> str | None:
    return None if value in (None, "-", "") else value


def _request_line(record: AccessRecord, request: str) -> None:
    match = _REQUEST_LINE.match(request)
    if match:
        record.method, record.url, record.protocol = match.groups()


def _number(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _upstreaminfo(record: AccessRecord, tail: str) -> bool:
    match = _UPSTREAMINFO_TAIL.fullmatch(tail)
    if match is None:
        return False
    length, took, upstream, alternative, middle, req_id = match.groups()
    # upstream addr/length/time/status: each may be a ", "-joined list (retries)
    parts = re.split(r"(?<!,) ", middle)
    if len(parts) != 4:
        return False
    record.format = "ingress_upstreaminfo"
    record.request_id = _dash(req_id)
    record.fields.update(
        {
            "request_length": _number(length),
            "request_time": _number(took),
            "proxy_upstream_name": upstream,
            "proxy_alternative_upstream_name": alternative,
            "upstream_addr": parts[0],
            "upstream_response_length": _number(parts[1]),
            "upstream_response_time": _number(parts[2]),
            "upstream_status": _number(parts[3]),
        }
    )
    return True


def _combined_tail(record: AccessRecord, tail: str) -> None:
    if not tail.strip() or _upstreaminfo(record, tail):
        return
    quoted = _QUOTED_TAIL.fullmatch(tail)
    if quoted:
        value = quoted.group(1)
        # nginx "main" adds $http_x_forwarded_for; VRL's combined allows $gzip_ratio
        if re.fullmatch(r"[\d.]+", value) and value.count(".") <= 1:
            record.fields["compression"] = value
        else:
            record.format = "main"
            record.fields["x_forwarded_for"] = _dash(value)
    else:
        record.fields["tail"] = tail.strip()[:512]


def parse_combined(text: str) -> AccessRecord | None:
    """nginx/Apache common or combined access line (plus the nginx tails)."""
    match = _COMBINED.match(text)
    if match is None:
        return None
    client, ident, user, moment, request, status, size, referer, agent, tail = match.groups()
    combined = referer is not None
    server = "apache" if ident != "-" or not combined else "nginx"
    record = AccessRecord(
        kind="access",
        server=server,
        format="combined" if combined else "common",
        timestamp=parse_clf(moment),
        client=client,
        user=_dash(user),
        status=int(status),
        size=_int(size),
        referer=_dash(referer),
        user_agent=_dash(agent),
    )
    if _dash(ident):
        record.fields["identity"] = ident
    _request_line(record, request)
    if combined:
        _combined_tail(record, tail)
        if record.format != "combined":
            record.server = "nginx"
    return record


def parse_nginx_error(text: str) -> AccessRecord | None:
    """``2021/04/01 13:02:31 [error] 31#31: *1 message, client: ..., request: "..."``."""
    match = _NGINX_ERROR.match(text)
    if match is None:
        return None
    moment, severity, pid, tid, cid, rest = match.groups()
    first = _NGINX_ERROR_KV.search(rest)
    message = rest[: first.start()] if first else rest
    record = AccessRecord(
        kind="error",
        server="nginx",
        format="error",
        severity=severity.lower(),
        timestamp=parse_slashed(moment),
        message=message,
    )
    record.fields.update({"pid": int(pid), "tid": int(tid)})
    if cid:
        record.fields["cid"] = int(cid)
    for key, value in _NGINX_ERROR_KV.findall(rest[len(message) :]):
        record.fields[key] = value[1:-1] if value.startswith('"') else value
    record.client = record.fields.pop("client", None)
    record.host = record.fields.pop("host", None)
    if "request" in record.fields:
        _request_line(record, record.fields["request"])
    return record


def parse_apache_error(text: str) -> AccessRecord | None:
    """``[Wed Oct 11 14:32:52.123 2000] [core:error] [pid 1:tid 2] [client ip:port] msg``."""
    match = _APACHE_ERROR.match(text)
    if match is None:
        return None
    moment, module, severity, pid, tid, client, message = match.groups()
    timestamp = parse_clf(moment) or parse_ctime(moment)
    if timestamp is None:
        return None  # "[...] [level]" without a server timestamp is some other logger
    record = AccessRecord(
        kind="error", server="apache", format="error", timestamp=timestamp, severity=severity.lower(), message=message
    )
    if module:
        record.fields["module"] = module
    if pid:
        record.fields["pid"] = int(pid)
    if tid:
        record.fields["thread"] = tid
    if client:
        host, _, port = client.rpartition(":")
        if host and port.isdigit():
            record.client, record.fields["port"] = host.strip("[]"), int(port)
        else:
            record.client = client
    return record


# ---------------------------------------------------------------- JSON / logfmt

_JSON_KEYS = {
    "status": (
        "status",
        "status_code",
        "DownstreamStatus",
        "http.response.status_code",
        "response_status",
        "statusCode",
    ),
    "method": (
        "request_method",
        "method",
        "RequestMethod",
        "http.request.method",
        "request.method",
        "httpMethod",
        "verb",
    ),
    "url": (
        "request_uri",
        "uri",
        "RequestPath",
        "url.original",
        "url.path",
        "request.uri",
        "path",
        "url",
        "request_path",
    ),
    "request_id": (
        "request_id",
        "req_id",
        "http.request.id",
        "x_request_id",
        "requestId",
        "request_headers.X-Request-Id",
        "RequestId",
        "request.headers.X-Request-Id",
        "request.headers.X-Request-ID",
    ),
    "client": ("remote_addr", "client", "ClientHost", "client.ip", "source.ip", "request.remote_ip", "fwd", "ip"),
    "host": ("host", "server_name", "RequestHost", "request.host", "url.domain"),
}


def _get(fields: dict[str, Any], path: str) -> Any:
    if path in fields:
        return fields[path]
    node: Any = fields
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    value = node
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0]  # Caddy headers are lists
    return value


def _first(fields: dict[str, Any], key: str) -> Any:
    for path in _JSON_KEYS[key]:
        value = _get(fields, path)
        if value is not None and value != "" and value != "-":
            return value
    return None


def _json_server(fields: dict[str, Any]) -> str:
    if "DownstreamStatus" in fields:
        return "traefik"
    if isinstance(fields.get("request"), dict) and "http.log" in str(fields.get("logger", "")):
        return "caddy"
    if "dyno" in fields or "at" in fields:
        return "heroku"
    if "request_method" in fields or "upstream_status" in fields or "upstream_addr" in fields:
        return "nginx"
    return "json"


def access_from_fields(fields: dict[str, Any]) -> AccessRecord | None:
    """A JSON (or logfmt) object that is an access-log entry -> record; else None.
    Needs an HTTP status and a method or a URL."""
    status = _int(_first(fields, "status"))
    if status is None or not 100 <= status <= 599:
        return None
    method, url = _first(fields, "method"), _first(fields, "url")
    if not isinstance(method, str) and not isinstance(url, str):
        request = fields.get("request")
        if not isinstance(request, str):
            return None
    record = AccessRecord(kind="access", server=_json_server(fields), format="json", status=status)
    if isinstance(method, str):
        record.method = method.upper()[:20]
    if isinstance(url, str):
        record.url = url
    elif isinstance(fields.get("request"), str):
        _request_line(record, fields["request"])
    for key in ("request_id", "client", "host"):
        value = _first(fields, key)
        if isinstance(value, (str, int)):
            setattr(record, key, str(value))
    for key in ("time", "timestamp", "@timestamp", "time_iso8601", "time_local", "ts", "StartUTC"):
        if key in fields and (moment := normalise(fields[key])):
            record.timestamp = moment
            break
    record.fields = {
        k: v
        for k, v in fields.items()
        if k.startswith("upstream")
        or k in ("request_time", "code", "desc", "dyno", "service", "connect", "bytes", "Duration")
    }
    return record


def parse_access_line(text: str) -> AccessRecord | None:
    """Any supported access or error log line -> record; None when it is not one.
    Never raises."""
    if not text or len(text) > 65536:
        return None
    first = text[0]
    if first == "{":
        try:
            fields = orjson.loads(text)
        except orjson.JSONDecodeError:
            return None
        return access_from_fields(fields) if isinstance(fields, dict) else None
    if first == "[":
        return parse_apache_error(text)
    if first.isdigit() and text[4:5] == "/":
        return parse_nginx_error(text)
    if '"' in text:
        return parse_combined(text)
    return None


def might_be_access(text: str) -> bool:
    """Cheap prefilter before ``parse_access_line`` for text lines."""
    head = text[:1]
    return (
        (head == "[" and "] [" in text[:120])
        or ('" ' in text and " HTTP/" in text)
        or (head.isdigit() and text[4:5] == "/" and text[10:11] == " ")
    )


# ---------------------------------------------------------------- events

_UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")
_HEXISH = re.compile(r"(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}")
_NUMERICISH = re.compile(r"\d[\d\-.:_,]*")
_TOKENISH = re.compile(r"[A-Za-z0-9_\-]{16,}")
MAX_ROUTE_CHARS = 200


def _collapse(segment: str) -> bool:
    if not segment:
        return False
    if _NUMERICISH.fullmatch(segment) or _UUID.fullmatch(segment) or _HEXISH.fullmatch(segment):
        return True
    if "@" in segment:
        return True  # e-mail address
    return bool(_TOKENISH.fullmatch(segment)) and sum(c.isdigit() for c in segment) >= 2


def route_template(url: str) -> str:
    """``/users/123/orders/9f8e7d6c?x=1`` -> ``/users/{id}/orders/{id}`` (query dropped)."""
    path, _ = split_url(url)
    if not path.startswith("/"):
        return path[:MAX_ROUTE_CHARS] or "/"
    segments = ["{id}" if _collapse(segment) else segment for segment in path.split("/")]
    return "/".join(segments)[:MAX_ROUTE_CHARS]


def _access_event(record: AccessRecord, defaults: dict[str, Any]) -> Event:
    method = record.method or "-"
    route = route_template(record.url) if record.url else "-"
    service = defaults.get("service") or ""
    event: Event = {
        "level": "error",
        "platform": "other",
        "source": f"log:{record.server}",
        "message": f"{record.status} {method} {route}",
        "transaction": f"{method} {route}",
        "request": {"method": record.method, "url": record.url, "status_code": record.status},
        "fingerprint": ["http-5xx", service, method, route, str(record.status)],
        "tags": {"http.status_code": str(record.status), "log.format": record.format},
    }
    _common(event, record, defaults)
    extra = {
        "referer": record.referer,
        "user_agent": record.user_agent,
        "size": record.size,
        "user": record.user,
        **{k: v for k, v in record.fields.items()},
    }
    event["extra"] = {k: v for k, v in extra.items() if v is not None}
    return event


def _error_log_event(record: AccessRecord, defaults: dict[str, Any]) -> Event:
    message = (record.message or "").strip()
    template = message_template_of(message)
    service = defaults.get("service") or ""
    event: Event = {
        "level": _ERROR_SEVERITIES[record.severity or "error"],
        "platform": "other",
        "source": f"log:{record.server}",
        "message": message,
        "message_template": template,
        "logger": f"{record.server}.error_log",
        "fingerprint": [f"{record.server}-error-log", service, template],
        "tags": {"log.severity": record.severity or "error"},
    }
    if record.method or record.url:
        event["request"] = {"method": record.method, "url": record.url}
        event["transaction"] = f"{record.method or '-'} {route_template(record.url or '-')}"
    _common(event, record, defaults)
    event["extra"] = {k: v for k, v in record.fields.items() if v is not None}
    return event


def _common(event: Event, record: AccessRecord, defaults: dict[str, Any]) -> None:
    if record.timestamp:
        event["timestamp"] = record.timestamp
    if record.request_id:
        event["request_id"] = record.request_id[:200]
    if record.client:
        event["user"] = {"ip_address": record.client}
    if record.host:
        event["server_name"] = record.host
    for key in ("service", "environment", "release"):
        if defaults.get(key):
            event[key] = defaults[key]
    if defaults.get("project_id") is not None:
        event["project_id"] = defaults["project_id"]


def event_from_access(record: AccessRecord, defaults: dict[str, Any]) -> Event | None:
    """A 5xx access line, or an error-log line at ``error`` or worse -> Event."""
    if record.kind == "error":
        if record.severity not in _ERROR_SEVERITIES:
            return None
        return _error_log_event(record, defaults)
    if record.status is None or not 500 <= record.status <= 599:
        return None
    return _access_event(record, defaults)
