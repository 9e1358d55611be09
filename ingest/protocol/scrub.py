"""Server-side PII scrubbing of a normalised Event, before anything stores it.

Pure (no Django import); runs on every event, so all patterns are compiled
once (per project config, cached), each rule is guarded by a cheap test for
the characters it needs, and the three digit-based rules (card, SSN, IMEI)
share one regex pass. Replacement text is ``[Filtered]``.

Rules (Sentry/Relay's default data-scrubbing set; each can be switched off per
project, ``email`` is off by default, IP addresses follow ``scrub_ip``):

- ``password``: any mapping value whose key contains a sensitive name
  (password, passwd, secret, api_key, apikey, auth — but not "author" —,
  credentials, mysql_pwd, private_key, token, session, cookie, csrf …, plus the
  project's ``extra_fields``) — so Authorization, Cookie, Set-Cookie,
  X-Api-Key headers —, request cookies, and ``key=value`` / ``"key": "value"``
  pairs with such a key inside any string (query strings, form bodies, log
  lines, source lines). Keys are compared lower-cased with "-" read as "_".
- ``creditcard``: 13–19 digits with an issuer digit that prints that length
  (Visa 13/16/19, Diners 14, Amex 15, …), Luhn-valid, written without
  separators or in the printed groups (4-4-4-4…, 4-6-5, 4-6-4) with spaces or
  dashes.
- ``usssn``: ``AAA-GG-SSSS`` in the issued ranges (area not 000, 666, 9xx).
- ``iban``: a known country's length with a valid mod-97 checksum, compact or
  in groups of four.
- ``imei``: 15 digits, Luhn-valid, compact or ``AA-BBBBBB-CCCCCC-D``.
- ``mac``: six hex pairs separated by ``:`` or ``-``.
- ``pemkey``: the body of a ``-----BEGIN … PRIVATE KEY-----`` block.
- ``urlauth``: URL userinfo (``https://user:pass@host`` → ``https://[Filtered]@host``).
- ``bearer``: ``Bearer``/``Basic`` credentials.
- ``email`` (opt-in): e-mail addresses, in strings and ``user.email``.
- with ``scrub_ip``: ``user.ip_address``, client-IP headers and any IPv4/IPv6
  address in strings; plus the project's ``extra_patterns``.

Where: message and template (logentry params by key in ``normalize``),
exception type/value/module, frame location, vars and source lines, raw
traces, breadcrumbs, request (url, query, headers, cookies, data, env), extra,
contexts, tags, user (all but ``id``), transaction and fingerprint — all
before title, culprit, fingerprint hash and search text are computed from the
event. Not scrubbed: ids, timestamps, release, environment, logger and
server_name (host names are not personal data and make an event actionable).
UUIDs are not scrubbed (they are ids).
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

from ingest.protocol.event import Event
from ingest.protocol.user_regex import UserRegexError, compile_user_regex

__all__ = [
    "DEFAULT_RULES", "FILTERED", "RULES", "ScrubConfig", "scrub_event", "scrub_params", "scrub_text",
    "scrub_value", "sensitive_key", "settings_problems",
]  # fmt: skip

logger = logging.getLogger(__name__)

FILTERED = "[Filtered]"
_MAX_DEPTH = 32  # normalize bounds depth at 8; deeper data here was not normalised

# Every rule a project can switch on or off, with what it catches (shown in the settings form).
RULES: dict[str, str] = {
    "password": "Secrets by key: password, secret, token, api_key, auth, cookie, session … (and key=value pairs)",
    "creditcard": "Credit card numbers (Luhn-valid)",
    "usssn": "US Social Security numbers",
    "iban": "IBANs (valid checksum)",
    "bearer": "Bearer and Basic credentials",
    "pemkey": "PEM private keys",
    "urlauth": "Credentials in URLs (https://user:pass@host)",
    "imei": "IMEIs (Luhn-valid)",
    "mac": "MAC addresses",
    "email": "E-mail addresses",
}
DEFAULT_RULES: tuple[str, ...] = tuple(name for name in RULES if name != "email")

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
# Value patterns. Each starts with a plain character class or literal (no
# leading lookbehind) so the engine skips ahead quickly; context checks that
# would need a lookbehind are done in the replacement callbacks. They run as
# separate passes, each behind a cheap test for the characters it needs:
# measured on the SDK fixtures, one alternation of them all costs ~1.6x more
# (Python's re tries every branch at every position). The three digit-based
# rules (card, SSN, IMEI) do share one pass.
_NUMBER = re.compile(r"\d(?:[ \-]?\d){8,18}(?!\d)")  # one run of digits with single space/dash separators
_USERINFO = re.compile(r"://[^/\s@?#\"'<>]{1,256}@")  # the scheme stays, so start at "://" (cheap to find)
_BEARER = re.compile(r"\b((?i:bearer)\s+|Basic\s+(?=[A-Za-z0-9+/]{8,}))[A-Za-z0-9\-._~+/]+=*")
_IBAN = re.compile(r"[A-Z]{2}\d\d(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)(?![A-Za-z0-9])")
_MAC = re.compile(r"[0-9A-Fa-f]{2}([:\-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![0-9A-Za-z:\-])")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_IPV6 = re.compile(r"[0-9A-Fa-f:][0-9A-Fa-f:.]{2,44}")
_PEM = re.compile(
    r"(-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----)(?:[A-Za-z0-9+/=\s:,.\\]|-(?!----))*"
    r"(-----END \2-----)?"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_TWO_DIGITS = re.compile(r"\d\d")
_SEPARATOR = re.compile(r"[=:]")
_KEY_REVERSED = re.compile(r"[ \t]{0,4}[\"']?([\w.\-\[\]]{1,64})")  # read backwards from a separator
# the value after a separator; never starting with "=", so ``password == x`` (code) is left alone
_VALUE_AFTER = re.compile(
    r"[ \t]{0,4}(\"[^\"]*\"|'[^']*'|(?:(?i:bearer|basic|digest|token)\s+)?[^\s&;,\"'}=][^\s&;,\"'}]*)"
)
_KEY_CACHE_SIZE = 4096

# IBAN length per country (ISO 13616 registry), for the countries that issue them.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ScrubConfig:
    """Per-project scrubbing options.

    ``rules``: the built-in rules that apply (names from ``RULES``; default:
    all but ``email``). ``extra_fields``: more sensitive key names
    (case-insensitive substrings). ``extra_patterns``: regexes whose matches in
    any string become [Filtered]. Everything is validated here so a bad value
    is rejected (ValueError naming it) when the project setting is saved;
    processing builds the config of saved settings with ``from_saved_settings``,
    which leaves a refused entry out instead of raising.
    """

    extra_fields: tuple[str, ...] = field(default=())
    extra_patterns: tuple[str, ...] = field(default=())
    scrub_ip: bool = False
    rules: frozenset[str] = field(default=frozenset(DEFAULT_RULES))

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra_fields", _names(self.extra_fields))
        object.__setattr__(self, "extra_patterns", tuple(self.extra_patterns))
        object.__setattr__(self, "rules", frozenset(self.rules))
        unknown = sorted(self.rules - RULES.keys())
        if unknown:
            raise ValueError(f"unknown scrub rule {', '.join(map(repr, unknown))}; known: {', '.join(RULES)}")
        for pattern in self.extra_patterns:
            problem = _pattern_problem(pattern)
            if problem is not None:
                raise ValueError(problem)

    @classmethod
    def from_settings(cls, *, fields: str, patterns: str, scrub_ip: bool, rules: Iterable[str] | None) -> ScrubConfig:
        """The config of a project's settings (one name / regex per line; ``rules`` None = defaults).

        Strict: raises ValueError naming the first refused rule or pattern — for saving settings.
        """
        return cls(
            extra_fields=tuple(line.strip() for line in fields.splitlines() if line.strip()),
            extra_patterns=_lines(patterns),
            scrub_ip=scrub_ip,
            rules=frozenset(DEFAULT_RULES if rules is None else rules),
        )

    @classmethod
    def from_saved_settings(
        cls, *, fields: str, patterns: str, scrub_ip: bool, rules: Iterable[str] | None
    ) -> ScrubConfig:
        """The config of settings already saved, for processing: never raises.

        Settings saved before a check existed (a pattern Python's ``re`` took but RE2
        refuses, a longer one, a rule renamed since) must not fail every payload of
        the project: each refused entry is left out, and logged once per process,
        while every other rule still applies. ``settings_problems`` names them for
        the settings page.
        """
        if not isinstance(rules, (list, tuple, set, frozenset)):  # None (the defaults) or no list at all
            rules = DEFAULT_RULES
        patterns_kept, rules_kept = _usable(_lines(patterns), rules)
        return cls(
            extra_fields=tuple(line.strip() for line in fields.splitlines() if line.strip()),
            extra_patterns=patterns_kept,
            scrub_ip=scrub_ip,
            rules=rules_kept,
        )


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


@lru_cache(maxsize=1024)
def _pattern_problem(pattern: str) -> str | None:
    """Why RE2 cannot use ``pattern`` as a scrub pattern, or None; cached, the
    check compiles it and a project's patterns are checked for every payload."""
    try:
        compiled = compile_user_regex(pattern)
    except UserRegexError as exc:
        return f"invalid scrub pattern {pattern!r}: {exc}"
    if compiled.fullmatch(""):
        return f"scrub pattern {pattern!r} matches the empty string"
    return None


def _rule_problem(rule: Any) -> str | None:
    return (
        None if isinstance(rule, str) and rule in RULES else f"unknown scrub rule {rule!r}; known: {', '.join(RULES)}"
    )


def settings_problems(*, patterns: str, rules: Iterable[Any] | None) -> list[str]:
    """Every saved pattern and rule the scrubber leaves out, with why (empty when all apply)."""
    problems = [_pattern_problem(pattern) for pattern in _lines(patterns)]
    listed = rules if isinstance(rules, (list, tuple, set, frozenset)) else ()
    problems += [_rule_problem(rule) for rule in listed]
    return [problem for problem in problems if problem is not None]


_warned: set[str] = set()


def _usable(patterns: tuple[str, ...], rules: Iterable[Any]) -> tuple[tuple[str, ...], frozenset[str]]:
    """The patterns and rules that apply; a refused one is logged the first time this process meets it."""
    kept_patterns = tuple(pattern for pattern in patterns if _skipped(_pattern_problem(pattern)) is None)
    kept_rules = frozenset(rule for rule in rules if _skipped(_rule_problem(rule)) is None)
    return kept_patterns, kept_rules


def _skipped(problem: str | None) -> str | None:
    if problem is not None and problem not in _warned and len(_warned) < 10_000:
        _warned.add(problem)
        logger.warning("saved scrub setting left out (fix it in the project's settings): %s", problem)
    return problem


def _names(fields: Iterable[str]) -> tuple[str, ...]:
    return tuple(name.strip().lower().replace("-", "_") for name in fields if name and name.strip())


DEFAULT_CONFIG = ScrubConfig()


@dataclass(frozen=True, slots=True)
class _Compiled:
    key: re.Pattern[str]
    extra: tuple[Any, ...]  # RE2 patterns (ingest.protocol.user_regex)
    scrub_ip: bool
    rules: frozenset[str]
    pairs: bool  # ``key=value`` pairs: some key is sensitive
    numbers: bool  # any of creditcard / usssn / imei
    number: Any  # the replacement callback of _NUMBER, bound to the rules
    key_cache: dict[str, bool]


@lru_cache(maxsize=512)
def _compile(config: ScrubConfig) -> _Compiled:
    """The key regex and the project's patterns, once per distinct config."""
    extra_names = tuple(re.escape(name) for name in config.extra_fields)
    password = _SENSITIVE_KEY_PARTS if "password" in config.rules else ()
    key_parts = password + extra_names + (_IP_KEY_PARTS if config.scrub_ip else ())
    return _Compiled(
        key=re.compile("|".join(key_parts) if key_parts else r"(?!)"),
        # a project's own patterns run on attacker-controlled text: RE2, linear time
        extra=tuple(compile_user_regex(pattern) for pattern in config.extra_patterns),
        scrub_ip=config.scrub_ip,
        rules=config.rules,
        pairs=bool(key_parts),
        numbers=bool(config.rules & {"creditcard", "usssn", "imei"}),
        number=partial(_scrub_number, rules=config.rules),
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


def sensitive_key(key: Any, config: ScrubConfig = DEFAULT_CONFIG) -> bool:
    """Whether a value stored under ``key`` is a secret (``password`` rule and extra fields)."""
    return _sensitive(key, _compile(config))


# --------------------------------------------------------------------------- numbers


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _groups(text: str) -> tuple[list[int], str]:
    """Lengths of the digit groups of ``text`` and the one separator used ("" if none, "?" if mixed)."""
    seps = {c for c in text if c in " -"}
    sep = "" if not seps else (seps.pop() if len(seps) == 1 else "?")
    return ([len(g) for g in re.split(r"[ \-]", text)] if sep else [len(text)]), sep


# Issuer digits that print each card length (Visa 13/16/19, Diners 14, Amex 15,
# Mastercard/Discover/JCB/UnionPay 16, Maestro/UnionPay/Discover up to 19). A
# 13-digit number starting with 1-3 (a timestamp in ms) is not a card.
_CARD_ISSUERS = {13: "4", 14: "3", 15: "3", 16: "23456", 17: "456", 18: "456", 19: "456"}


def _is_card(groups: list[int], digits: str) -> bool:
    if digits[0] not in _CARD_ISSUERS.get(len(digits), ""):
        return False
    printed = (
        len(groups) == 1
        or groups in ([4, 6, 5], [4, 6, 4])
        or (all(g == 4 for g in groups[:-1]) and 1 <= groups[-1] <= 4)
    )
    return printed and _luhn(digits)


def _is_ssn(groups: list[int], sep: str, digits: str) -> bool:
    if groups != [3, 2, 4] or sep != "-":
        return False
    area = digits[:3]
    return area not in ("000", "666") and area[0] != "9" and digits[3:5] != "00" and digits[5:] != "0000"


def _is_imei(groups: list[int], digits: str) -> bool:
    return len(digits) == 15 and groups in ([15], [2, 6, 6, 1]) and _luhn(digits)


def _numeric_secret(text: str, rules: frozenset[str]) -> bool:
    """Whether one separator-delimited window of digits is a card, an SSN or an IMEI."""
    groups, sep = _groups(text)
    if sep == "?":
        return False
    digits = text.replace(sep, "") if sep else text
    return (
        ("creditcard" in rules and _is_card(groups, digits))
        or ("usssn" in rules and _is_ssn(groups, sep, digits))
        or ("imei" in rules and _is_imei(groups, digits))
    )


def _number_windows(text: str) -> Iterable[tuple[int, int]]:
    """(start, end) of every sub-run that starts and ends at a separator, longest first.

    A greedy match may take in a neighbouring number ("id 7 4111 1111 1111
    1111"): the secret is then one of its windows.
    """
    cuts = [i for i, c in enumerate(text) if c in " -"]
    starts = [0] + [i + 1 for i in cuts]
    ends = cuts + [len(text)]
    windows = [(s, e) for s in starts for e in ends if e - s >= 9]
    return sorted(windows, key=lambda w: w[0] - w[1])


def _scrub_number(match: re.Match[str], rules: frozenset[str]) -> str:
    """Filter the card / SSN / IMEI inside one run of digits, if there is one."""
    before = match.string[max(match.start() - 2, 0) : match.start()]
    if before[-1:].isdigit() or (before[-1:] in ("-", ".") and before[:1].isdigit()):
        return match[0]  # the tail of a longer number (or of a version string), not a number of its own
    text = match[0]
    for start, end in _number_windows(text):
        if _numeric_secret(text[start:end], rules):
            return text[:start] + FILTERED + text[end:]
    return text


# --------------------------------------------------------------------------- other patterns


def _iban(match: re.Match[str]) -> str:
    """A known country's IBAN length with a valid checksum; a longer match keeps its tail."""
    start = match.start()
    if start and match.string[start - 1].isalnum():
        return match[0]
    text = match[0]
    length = _IBAN_LENGTHS.get(text[:2])
    if length is None:
        return text
    compact, end = "", 0
    for end, char in enumerate(text, 1):  # noqa: B007 (end is read after the loop)
        if char != " ":
            compact += char
        if len(compact) == length:
            break
    if len(compact) != length or (end < len(text) and text[end] != " "):
        return text
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return FILTERED + text[end:] if int(number) % 97 == 1 else text


def _mac(match: re.Match[str]) -> str:
    start = match.start()
    if start and (match.string[start - 1].isalnum() or match.string[start - 1] in ":-"):
        return match[0]
    return FILTERED


def _pem(match: re.Match[str]) -> str:
    return f"{match[1]}{FILTERED}{match[3] or ''}"


def _ip(match: re.Match[str]) -> str:
    start, text = match.start(), match[0]
    if start and (match.string[start - 1].isalnum() or match.string[start - 1] in "._:"):
        return text
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return text
    return FILTERED if any(c not in ":" for c in text) else text


def _userinfo(match: re.Match[str]) -> str:
    return f"://{FILTERED}@"


def _bearer(match: re.Match[str]) -> str:
    return f"{match[1]}{FILTERED}"


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
    """Filter secrets inside one free-text string (message, URL, header, body, log line)."""
    return _scrub_str(text, _compile(config))


def _scrub_str(text: str, compiled: _Compiled) -> str:
    """All value rules, each behind a cheap test for the characters it needs.

    PEM blocks go first (their body spans lines and ``Proc-Type:`` pairs), URL
    userinfo before pairs (``https://token:x@host`` keeps its host).
    """
    if len(text) >= 5:  # shorter than anything the built-in rules match
        rules = compiled.rules
        if "pemkey" in rules and "-----BEGIN" in text:
            text = _PEM.sub(_pem, text)
        if "=" in text or ":" in text:
            if "urlauth" in rules and "://" in text and "@" in text:
                text = _USERINFO.sub(_userinfo, text)
            if compiled.pairs:
                text = _scrub_pairs(text, compiled)
        if len(text) >= 9 and _TWO_DIGITS.search(text) is not None:  # cards, SSNs, IMEIs and IBANs have them
            if compiled.numbers:
                text = _NUMBER.sub(compiled.number, text)
            if "iban" in rules and len(text) >= 15 and not text.islower():
                text = _IBAN.sub(_iban, text)
        if "bearer" in rules and ("earer" in text or "EARER" in text or "Basic" in text):
            text = _BEARER.sub(_bearer, text)
        if "mac" in rules and len(text) >= 17 and (":" in text or "-" in text):
            text = _MAC.sub(_mac, text)
        if "email" in rules and "@" in text:
            text = _EMAIL.sub(FILTERED, text)
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


def scrub_value(value: Any, config: ScrubConfig = DEFAULT_CONFIG) -> Any:
    """A scrubbed copy of any JSON-like value (a dead letter's body, an attachment's JSON)."""
    return _scrub_value(value, _compile(config))


def scrub_params(params: Any) -> tuple[Any, list[str]]:
    """Logentry params with the values of sensitive keys filtered, and those values.

    Called by normalisation before the template is filled in: a password passed
    as ``%(password)s`` must not reach the formatted message (the returned
    values are replaced in a message the SDK formatted itself).
    """
    if not isinstance(params, dict):
        return params, []
    secrets = [str(v) for k, v in params.items() if v not in (None, "") and sensitive_key(k)]
    if not secrets:
        return params, []
    return {k: FILTERED if v not in (None, "") and sensitive_key(k) else v for k, v in params.items()}, secrets


def _scrub_field(container: Any, key: str, compiled: _Compiled) -> None:
    """Scrub ``container[key]`` in place when the container is a dict holding it."""
    if isinstance(container, dict) and container.get(key) is not None:
        container[key] = _scrub_value(container[key], compiled)


def _scrub_fields(container: Any, keys: Iterable[str], compiled: _Compiled) -> None:
    for key in keys:
        _scrub_field(container, key, compiled)


def _scrub_request(request: Any, compiled: _Compiled) -> None:
    if not isinstance(request, dict):
        return
    for key in ("url", "query_string", "headers", "data", "cookies", "env"):
        if key == "cookies" and request.get(key) and "password" in compiled.rules:
            request[key] = FILTERED
        else:
            _scrub_field(request, key, compiled)


_FRAME_FIELDS = (
    "filename",
    "abs_path",
    "module",
    "function",
    "package",
    "vars",
    "context_line",
    "pre_context",
    "post_context",
    "raw_function",
    "data",
)


def _scrub_exception(exc: Any, compiled: _Compiled) -> None:
    """Type and value (they become the issue's title and metadata), module, trace and frames.

    Source lines are scrubbed like any text: a ``password = "…"`` line in a
    frame's context is as much a leaked secret as the same text in a message.
    """
    _scrub_fields(exc, ("type", "value", "module", "name"), compiled)
    for key in ("stacktrace", "raw_stacktrace"):
        stacktrace = exc.get(key) if isinstance(exc, dict) else None
        if not isinstance(stacktrace, dict):
            continue
        _scrub_fields(stacktrace, ("raw", "registers"), compiled)
        for frame in _list(stacktrace.get("frames")):
            _scrub_fields(frame, _FRAME_FIELDS, compiled)


def _scrub_breadcrumb(crumb: Any, compiled: _Compiled) -> None:
    _scrub_fields(crumb, ("message", "data"), compiled)


def _scrub_user(user: Any, compiled: _Compiled) -> None:
    """Everything but the id (it is what the user is counted by); the IP only with ``scrub_ip``."""
    if not isinstance(user, dict):
        return
    for key, value in user.items():
        if key == "ip_address":
            if compiled.scrub_ip and value:
                user[key] = None
        elif key != "id" and value is not None:
            user[key] = FILTERED if _sensitive(key, compiled) else _scrub_value(value, compiled)


def scrub_event(event: Event, config: ScrubConfig = DEFAULT_CONFIG) -> Event:
    """Filter PII and secrets out of ``event`` in place and return it.

    Runs before the title, culprit, fingerprint hash and search text are
    computed, so none of them can carry what was filtered. Never raises on a
    dict, whatever it holds; fields of the wrong type are left as they are.
    """
    compiled = _compile(config)
    data: dict[str, Any] = event  # type: ignore[assignment]
    _scrub_fields(
        data, ("message", "message_template", "tags", "extra", "contexts", "transaction", "fingerprint"), compiled
    )
    _scrub_request(data.get("request"), compiled)
    _scrub_user(data.get("user"), compiled)
    # threads and a top-level stack carry frames (vars, source lines) like an exception's
    for exc in [*_list(data.get("exception")), *_list(data.get("threads")), {"stacktrace": data.get("stacktrace")}]:
        _scrub_exception(exc, compiled)
    for crumb in _list(data.get("breadcrumbs")):
        _scrub_breadcrumb(crumb, compiled)
    return event


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
