"""Timestamp normalisation shared by the log parsers: anything -> ISO 8601 UTC.

Log timestamps come as RFC 3339 strings with nanoseconds, epoch numbers in
seconds/milliseconds/microseconds/nanoseconds, nginx/Apache ``10/Oct/2000:13:55:36
-0700``, syslog ``Oct 11 22:14:15`` (no year) ... Every function here returns
``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` or ``None``; none of them raises.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?\s*"
    r"(Z|z|UTC|[+-]\d\d:?\d\d|[+-]\d\d)?$"
)
_CLF = re.compile(r"(\d\d)/(\w{3})/(\d{4}):(\d\d):(\d\d):(\d\d)\s*([+-]\d{4})?$")
_MONTHS = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
_BSD = re.compile(r"(\w{3})\s+(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?$")
_CTIME = re.compile(r"(?:\w{3} )?(\w{3})\s+(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? (\d{4})$")
_SLASHED = re.compile(r"(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)$")


def format_utc(moment: datetime) -> str:
    """``datetime`` -> ``2020-03-13T20:45:38.119000Z`` (naive values are taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"


def _offset(text: str | None) -> timezone:
    if not text or text in ("Z", "z", "UTC"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _build(
    year: int, month: int, day: int, hour: int, minute: int, second: int, fraction: str | None, tz: timezone
) -> str | None:
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError:
        return None
    return format_utc(moment)


def parse_rfc3339(text: str) -> str | None:
    """RFC 3339 / ISO 8601 (``T`` or space, any fraction, Z/offset/none=UTC)."""
    match = _RFC3339.match(text.strip())
    if match is None:
        return None
    y, mo, d, h, mi, s, frac, tz = match.groups()
    second = int(s or 0)
    if second == 60:  # leap second: clamp rather than refuse
        second = 59
    try:
        zone = _offset(tz)
    except ValueError:
        return None
    return _build(int(y), int(mo), int(d), int(h), int(mi), second, frac, zone)


def parse_clf(text: str) -> str | None:
    """Common Log Format ``10/Oct/2000:13:55:36 -0700`` (nginx, Apache)."""
    match = _CLF.match(text.strip())
    if match is None:
        return None
    d, mon, y, h, mi, s, tz = match.groups()
    month = _MONTHS.get(mon.lower())
    if month is None:
        return None
    return _build(int(y), month, int(d), int(h), int(mi), int(s), None, _offset(tz))


def parse_bsd(text: str, *, now: datetime | None = None) -> str | None:
    """RFC 3164 ``Oct 11 22:14:15``: no year and no zone, so UTC and the year that
    puts the moment no more than a day in the future (December logs read in January)."""
    match = _BSD.match(text.strip())
    if match is None:
        return None
    mon, d, h, mi, s, frac = match.groups()
    month = _MONTHS.get(mon.lower())
    if month is None:
        return None
    now = now or datetime.now(UTC)
    for year in (now.year, now.year - 1):
        built = _build(year, month, int(d), int(h), int(mi), int(s), frac, UTC)
        if built is not None and built[:10] <= (now + timedelta(days=1)).strftime("%Y-%m-%d"):
            return built
    return None


def parse_ctime(text: str) -> str | None:
    """``Wed Oct 11 14:32:52.123456 2000`` (Apache error log; local time, taken as UTC)."""
    match = _CTIME.match(text.strip())
    if match is None:
        return None
    mon, d, h, mi, s, frac, y = match.groups()
    month = _MONTHS.get(mon.lower())
    if month is None:
        return None
    return _build(int(y), month, int(d), int(h), int(mi), int(s), frac, UTC)


def parse_slashed(text: str) -> str | None:
    """nginx error log ``2021/04/01 13:02:31`` (server local time, taken as UTC)."""
    match = _SLASHED.match(text.strip())
    if match is None:
        return None
    y, mo, d, h, mi, s = (int(part) for part in match.groups())
    return _build(y, mo, d, h, mi, s, None, UTC)


def from_epoch(value: float) -> str | None:
    """Epoch number in s, ms, us or ns (guessed from its size) -> ISO UTC."""
    if value != value or value <= 0:  # NaN or not a moment
        return None
    for scale in (1e9, 1e6, 1e3):
        if value > scale * 1e8:  # later than ~1973 in this unit
            value = value / scale
            break
    if value > 253402300799:  # past year 9999
        return None
    try:
        moment = datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return format_utc(moment)


def normalise(value: object) -> str | None:
    """Any timestamp a log record may carry -> ISO 8601 UTC, or ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return from_epoch(float(value))
    if isinstance(value, dict):  # Google {"seconds": .., "nanos": ..}
        seconds = value.get("seconds")
        if isinstance(seconds, (int, float, str)) and str(seconds).isdigit():
            return from_epoch(int(seconds) + (value.get("nanos") or 0) / 1e9)
        return None
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    text = value.strip()
    if text.replace(".", "", 1).isdigit():
        return from_epoch(float(text))
    for parser in (parse_rfc3339, parse_clf, parse_slashed, parse_ctime, parse_bsd):
        result = parser(text)
        if result is not None:
            return result
    return None
