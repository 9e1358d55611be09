"""Server-side PII scrubbing of a normalised Event, before anything stores it.

Pure (no Django import); runs on every event, so all patterns are compiled
once (per project config, cached) and every string goes through one combined
regex pass. Replacement text is ``[Filtered]``.

What is scrubbed (modelled on Sentry's server-side defaults):

- by key: any mapping value whose key contains a sensitive name (password,
  secret, token, api_key, auth — but not "author" —, credential, session,
  cookie, csrf, private_key, ssn …, plus the project's ``extra_fields``), in
  request headers/data, extra, contexts, tags, breadcrumb data and frame vars.
  Keys are compared lower-cased with "-" read as "_" (``X-Api-Key`` → x_api_key).
- by value, in every string of those places and in messages, exception values,
  raw traces and URLs: credit-card numbers (13–19 digits, optional spaces or
  dashes, issuer digit 2–6, Luhn-valid only), ``key=value`` / ``"key": "value"``
  pairs with a sensitive key (query strings, form bodies, log lines), URL
  userinfo (``https://user:pass@host`` → ``https://[Filtered]@host``),
  ``Bearer``/``Basic`` credentials, and the project's ``extra_patterns``.
- with ``scrub_ip``: ``user.ip_address``, client-IP headers and any IPv4/IPv6
  address in strings.

Source code (context lines), frame locations, ids and the user's id/email are
left alone: they are what makes an event actionable.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from ingest.event import Event

__all__ = ["FILTERED", "ScrubConfig", "scrub_event", "scrub_text"]

FILTERED = "[Filtered]"
_MAX_DEPTH = 32  # normalize bounds depth at 8; deeper data here was not normalised

# Sensitive key names, matched as substrings of a mapping key (lower-cased, "-"→"_").
_SENSITIVE_KEY_PARTS = (
    r"passw(?:or)?d", r"passphrase", r"secret", r"token", r"api_?key", r"access_?key",
    r"auth(?!or(?!i))", r"credential", r"session", r"cookie", r"csrf", r"xsrf",
    r"private_?key", r"(?:^|_)pwd$", r"(?:^|[_.])ssn(?:$|_)", r"(?:^|[_.])sid$",
    r"card_?number", r"(?:^|_)cvc$", r"(?:^|_)cvv$", r"signature",
)  # fmt: skip
_IP_KEY_PARTS = (
    r"ip_address", r"remote_addr", r"x_forwarded_for", r"x_real_ip", r"forwarded$",
    r"client_ip", r"connecting_ip", r"true_client_ip",
)  # fmt: skip
# Value patterns. Each starts with a plain character class (no leading
# lookbehind) so the regex engine can skip ahead quickly; context checks that
# would need a lookbehind are done in the replacement callbacks instead.
_CARD = re.compile(r"[2-6](?:[ \-]?\d){12,18}(?!\d)")
_USERINFO = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.\-]{0,30}://)[^/\s@?#\"'<>]{1,256}@")
_BEARER = re.compile(r"\b((?i:bearer)\s+|Basic\s+(?=[A-Za-z0-9+/]{8,}))[A-Za-z0-9\-._~+/]+=*")
_SEPARATOR = re.compile(r"[=:]")
_KEY_REVERSED = re.compile(r"[ \t]{0,4}[\"']?([\w.\-\[\]]{1,64})")  # read backwards from a separator
_VALUE_AFTER = re.compile(r"[ \t]{0,4}(\"[^\"]*\"|'[^']*'|(?:(?i:bearer|basic|digest|token)\s+)?[^\s&;,\"'}]+)")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_IPV6 = re.compile(r"[0-9A-Fa-f:][0-9A-Fa-f:.]{2,44}")
_KEY_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class ScrubConfig:
    """Per-project scrubbing options.

    ``extra_fields``: more sensitive key names (case-insensitive substrings).
    ``extra_patterns``: regexes whose matches in any string become [Filtered];
    they are compiled here so a bad one is rejected (ValueError naming it) when
    the project setting is saved, never while events are processed.
    """

    extra_fields: tuple[str, ...] = field(default=())
    extra_patterns: tuple[str, ...] = field(default=())
    scrub_ip: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra_fields", _names(self.extra_fields))
        object.__setattr__(self, "extra_patterns", tuple(self.extra_patterns))
        for pattern in self.extra_patterns:
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid scrub pattern {pattern!r}: {exc}") from None
            if compiled.fullmatch(""):
                raise ValueError(f"scrub pattern {pattern!r} matches the empty string")


def _names(fields: Iterable[str]) -> tuple[str, ...]:
    return tuple(name.strip().lower().replace("-", "_") for name in fields if name and name.strip())


DEFAULT_CONFIG = ScrubConfig()


@dataclass(frozen=True, slots=True)
class _Compiled:
    key: re.Pattern[str]
    extra: tuple[re.Pattern[str], ...]
    scrub_ip: bool
    key_cache: dict[str, bool]


@lru_cache(maxsize=512)
def _compile(config: ScrubConfig) -> _Compiled:
    """The key regex and the project's patterns, once per distinct config."""
    extra_names = tuple(re.escape(name) for name in config.extra_fields)
    key_parts = _SENSITIVE_KEY_PARTS + extra_names + (_IP_KEY_PARTS if config.scrub_ip else ())
    return _Compiled(
        key=re.compile("|".join(key_parts)),
        extra=tuple(re.compile(pattern) for pattern in config.extra_patterns),
        scrub_ip=config.scrub_ip,
        key_cache={},
    )


def _sensitive(key: Any, compiled: _Compiled) -> bool:
    """Whether values under this key are secrets; cached, keys repeat across events."""
    if not isinstance(key, str):
        return False
    found = compiled.key_cache.get(key)
    if found is None:
        found = compiled.key.search(key.lower().replace("-", "_")) is not None
        if len(compiled.key_cache) >= _KEY_CACHE_SIZE:
            compiled.key_cache.clear()
        compiled.key_cache[key] = found
    return found


# --------------------------------------------------------------------------- strings


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    """A Luhn-valid 13–19 digit number not glued to more digits is a card number."""
    before = match.string[max(match.start() - 2, 0) : match.start()]
    if before[-1:].isdigit() or (before[-1:] == "-" and before[:1].isdigit()):
        return match[0]  # the tail of a longer number, not a number of its own
    text = match[0]
    # Greedy matching may run on into a following number ("4111…1111 12"):
    # try the whole match, then each prefix that ends before a separator.
    ends = [len(text)] + [i for i in range(len(text) - 1, 0, -1) if text[i] in " -"]
    for end in ends:
        digits = text[:end].replace(" ", "").replace("-", "")
        if 13 <= len(digits) <= 19 and _luhn(digits):
            return FILTERED + text[end:]
    return text


def _userinfo(match: re.Match[str]) -> str:
    return f"{match[1]}{FILTERED}@"


def _bearer(match: re.Match[str]) -> str:
    return f"{match[1]}{FILTERED}"


def _ip(match: re.Match[str]) -> str:
    start, text = match.start(), match[0]
    if start and (match.string[start - 1].isalnum() or match.string[start - 1] in "._:"):
        return text
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return text
    return FILTERED if any(c not in ":" for c in text) else text


def _scrub_pairs(text: str, compiled: _Compiled) -> str:
    """Filter the value of every ``key=value`` / ``key: value`` whose key is sensitive.

    Scans for separators (cheap) and looks back for the key, rather than
    searching for ~20 key names at every position of every string.
    """
    pieces: list[str] = []
    done, reversed_text, size = 0, text[::-1], len(text)
    for sep in _SEPARATOR.finditer(text):
        at = sep.start()
        if at < done:
            continue
        key = _KEY_REVERSED.match(reversed_text, size - at, size - done)
        if key is None or not _sensitive(key[1][::-1], compiled):
            continue
        value = _VALUE_AFTER.match(text, at + 1)
        if value is None:
            continue
        quote = value[1][0] if value[1][0] in "\"'" else ""
        pieces += [text[done : value.start(1)], quote, FILTERED, quote]
        done = value.end(1)
    return "".join(pieces) + text[done:] if pieces else text


def scrub_text(text: str, config: ScrubConfig = DEFAULT_CONFIG) -> str:
    """Filter secrets inside one free-text string (message, URL, header, body)."""
    return _scrub_str(text, _compile(config))


def _scrub_str(text: str, compiled: _Compiled) -> str:
    """All value rules, each behind a cheap test for the characters it needs."""
    if len(text) >= 5:  # shorter than anything the built-in rules match
        if "=" in text or ":" in text:
            if "://" in text and "@" in text:
                text = _USERINFO.sub(_userinfo, text)
            text = _scrub_pairs(text, compiled)
        text = _CARD.sub(_card, text)
        if "earer" in text or "EARER" in text or "Basic" in text:
            text = _BEARER.sub(_bearer, text)
        if compiled.scrub_ip:
            text = _scrub_ips(text)
    return _scrub_extra(text, compiled) if compiled.extra else text


def _scrub_ips(text: str) -> str:
    if "." in text:
        text = _IPV4.sub(_ip, text)
    if "::" in text or text.count(":") >= 5:
        text = _IPV6.sub(_ip, text)
    return text


def _scrub_extra(text: str, compiled: _Compiled) -> str:
    for pattern in compiled.extra:
        text = pattern.sub(FILTERED, text)
    return text


# --------------------------------------------------------------------------- structures


def _scrub_value(value: Any, compiled: _Compiled, depth: int = 0) -> Any:
    """Walk JSON-like data: sensitive keys lose their value, strings are filtered."""
    if isinstance(value, str):
        return _scrub_str(value, compiled)
    if isinstance(value, dict):
        if depth >= _MAX_DEPTH:
            return FILTERED
        return {
            key: FILTERED if item is not None and _sensitive(key, compiled) else _scrub_value(item, compiled, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        if depth >= _MAX_DEPTH:
            return FILTERED
        return [_scrub_value(item, compiled, depth + 1) for item in value]
    return value


def _scrub_field(container: Any, key: str, compiled: _Compiled) -> None:
    """Scrub ``container[key]`` in place when the container is a dict holding it."""
    if isinstance(container, dict) and container.get(key) is not None:
        container[key] = _scrub_value(container[key], compiled)


def _scrub_request(request: Any, compiled: _Compiled) -> None:
    if not isinstance(request, dict):
        return
    for key in ("url", "query_string", "headers", "data", "cookies", "env"):
        if key == "cookies" and request.get(key):
            request[key] = FILTERED
        else:
            _scrub_field(request, key, compiled)


def _scrub_exception(exc: Any, compiled: _Compiled) -> None:
    if not isinstance(exc, dict):
        return
    _scrub_field(exc, "value", compiled)
    stacktrace = exc.get("stacktrace")
    if not isinstance(stacktrace, dict):
        return
    _scrub_field(stacktrace, "raw", compiled)
    for frame in stacktrace.get("frames") or ():
        _scrub_field(frame, "vars", compiled)
        _scrub_source_cards(frame)


def _cards_only(line: Any) -> Any:
    if isinstance(line, str) and any(c.isdigit() for c in line):
        return _CARD.sub(_card, line)
    return line


def _scrub_source_cards(frame: Any) -> None:
    """Source lines stay readable (a ``password = …`` line is code, not a
    secret sent by the user), but a card number written into source — a test
    fixture, a hard-coded value — is still a card number: filter those."""
    if not isinstance(frame, dict):
        return
    if "context_line" in frame:
        frame["context_line"] = _cards_only(frame["context_line"])
    for key in ("pre_context", "post_context"):
        if isinstance(frame.get(key), list):
            frame[key] = [_cards_only(line) for line in frame[key]]


def _scrub_breadcrumb(crumb: Any, compiled: _Compiled) -> None:
    _scrub_field(crumb, "message", compiled)
    _scrub_field(crumb, "data", compiled)


def _scrub_user(user: Any, compiled: _Compiled) -> None:
    if isinstance(user, dict) and compiled.scrub_ip and user.get("ip_address"):
        user["ip_address"] = None


def scrub_event(event: Event, config: ScrubConfig = DEFAULT_CONFIG) -> Event:
    """Filter PII and secrets out of ``event`` in place and return it.

    Never raises on a dict, whatever it holds; fields of the wrong type are
    left as they are.
    """
    compiled = _compile(config)
    data: dict[str, Any] = event  # type: ignore[assignment]
    for key in ("message", "message_template", "tags", "extra", "contexts"):
        _scrub_field(data, key, compiled)
    _scrub_request(data.get("request"), compiled)
    _scrub_user(data.get("user"), compiled)
    for exc in _list(data.get("exception")):
        _scrub_exception(exc, compiled)
    for crumb in _list(data.get("breadcrumbs")):
        _scrub_breadcrumb(crumb, compiled)
    return event


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
