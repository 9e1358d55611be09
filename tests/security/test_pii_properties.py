"""Property tests of ingest.protocol.scrub: every well-formed secret of each default kind is
filtered wherever it sits in text (no false negatives), and ordinary numbers are
never touched (no false positives).

Secrets are embedded between words: random text that is not glued to them by
letters or digits (``x4111…`` is a different token, and ``7 4111 1111 1111 1111``
is one run of digits a reader cannot split either).
"""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.protocol.scrub import FILTERED, scrub_text

# Filler text: words and punctuation a log line or message is made of, never
# ending in something that would join the secret into a longer token.
WORD = st.text(alphabet=string.ascii_letters + "äöü_", min_size=1, max_size=12)
FILLER = st.lists(WORD, max_size=6).map(" ".join)
PUNCT = st.sampled_from([" ", ": ", " (", ", ", " [", " '", ' "', "\n", "\t", " = "])
CLOSE = st.sampled_from([" ", ")", ", ", "]", "'", '"', "\n", ".", ";", ""])
PROPS = settings(max_examples=150, deadline=None)


def _embedded(secret: str, before: str, punct: str, close: str, after: str) -> str:
    return f"{before}{punct}{secret}{close} {after}"


def _luhn_complete(body: str) -> str:
    """``body`` with the check digit that makes it Luhn-valid."""
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:  # doubled: these sit at odd positions once the check digit is appended
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return body + str((10 - total % 10) % 10)


# --------------------------------------------------------------------------- generators of secrets

CARD_BRANDS = [
    ("4", 16),
    ("4", 13),
    ("4", 19),
    ("51", 16),
    ("55", 16),
    ("2221", 16),
    ("2720", 16),
    ("34", 15),
    ("37", 15),
    ("6011", 16),
    ("65", 16),
    ("36", 14),
    ("3528", 16),
    ("62", 16),
]


@st.composite
def cards(draw: st.DrawFn) -> str:
    """Luhn-valid numbers of the major brands, compact or in printed groups with spaces or dashes."""
    prefix, length = draw(st.sampled_from(CARD_BRANDS))
    body = prefix + "".join(
        draw(
            st.lists(
                st.sampled_from(string.digits), min_size=length - len(prefix) - 1, max_size=length - len(prefix) - 1
            )
        )
    )
    number = _luhn_complete(body)
    sep = draw(st.sampled_from(["", " ", "-"]))
    if not sep:
        return number
    if length == 15:
        groups = [4, 6, 5]
    elif length == 14:
        groups = [4, 6, 4]
    else:
        groups = [4] * (length // 4) + ([length % 4] if length % 4 else [])
    parts, at = [], 0
    for size in groups:
        parts.append(number[at : at + size])
        at += size
    return sep.join(parts)


@st.composite
def ssns(draw: st.DrawFn) -> str:
    area = draw(st.integers(1, 899).filter(lambda a: a != 666))
    return f"{area:03d}-{draw(st.integers(1, 99)):02d}-{draw(st.integers(1, 9999)):04d}"


IBAN_FORMATS = {
    "DE": 22,
    "GB": 22,
    "FR": 27,
    "ES": 24,
    "IT": 27,
    "NL": 18,
    "BE": 16,
    "CH": 21,
    "AT": 20,
    "PL": 28,
    "NO": 15,
    "MT": 31,
    "SA": 24,
    "BR": 29,
}


@st.composite
def ibans(draw: st.DrawFn) -> str:
    """Valid mod-97 check digits over a random BBAN, compact or in groups of four."""
    country, length = draw(st.sampled_from(sorted(IBAN_FORMATS.items())))
    bban = "".join(
        draw(
            st.lists(st.sampled_from(string.digits + string.ascii_uppercase), min_size=length - 4, max_size=length - 4)
        )
    )
    numeric = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    iban = f"{country}{98 - numeric % 97:02d}{bban}"
    if draw(st.booleans()):
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban


@st.composite
def pem_blocks(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(
        st.sampled_from(
            ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]
        )
    )
    lines = draw(
        st.lists(
            st.text(alphabet=string.ascii_letters + string.digits + "+/", min_size=16, max_size=64),
            min_size=1,
            max_size=5,
        )
    )
    body = "\n".join(lines)
    return f"-----BEGIN {kind}-----\n{body}==\n-----END {kind}-----", body


TOKEN = st.text(alphabet=string.ascii_letters + string.digits + "-._~+/", min_size=8, max_size=60)
URL_SAFE = st.text(alphabet=string.ascii_letters + string.digits + "%-_.", min_size=1, max_size=20)


@st.composite
def imeis(draw: st.DrawFn) -> str:
    number = _luhn_complete("".join(draw(st.lists(st.sampled_from(string.digits), min_size=14, max_size=14))))
    if draw(st.booleans()):
        return f"{number[:2]}-{number[2:8]}-{number[8:14]}-{number[14]}"
    return number


@st.composite
def macs(draw: st.DrawFn) -> str:
    octets = draw(st.lists(st.integers(0, 255), min_size=6, max_size=6))
    text = draw(st.sampled_from([":", "-"])).join(f"{o:02x}" for o in octets)
    return text.upper() if draw(st.booleans()) else text


# --------------------------------------------------------------------------- no false negatives


@PROPS
@given(cards(), FILLER, PUNCT, CLOSE, FILLER)
def test_cards_always_scrubbed(card, before, punct, close, after):
    text = _embedded(card, before, punct, close, after)
    out = scrub_text(text)
    assert card not in out and FILTERED in out, (text, out)


@PROPS
@given(ssns(), FILLER, PUNCT, CLOSE, FILLER)
def test_ssns_always_scrubbed(ssn, before, punct, close, after):
    out = scrub_text(_embedded(ssn, before, punct, close, after))
    assert ssn not in out and FILTERED in out, out


@PROPS
@given(ibans(), FILLER, PUNCT, CLOSE, FILLER)
def test_ibans_always_scrubbed(iban, before, punct, close, after):
    out = scrub_text(_embedded(iban, before, punct, close, after))
    assert iban not in out and iban.replace(" ", "")[4:12] not in out.replace(" ", ""), out


@PROPS
@given(pem_blocks(), FILLER, PUNCT, FILLER)
def test_pem_private_keys_always_scrubbed(block, before, punct, after):
    pem, body = block
    out = scrub_text(f"{before}{punct}{pem}\n{after}")
    assert all(line not in out for line in body.splitlines()), out
    assert "PRIVATE KEY-----" in out, "the block stays recognisable"


@PROPS
@given(TOKEN, st.sampled_from(["Bearer", "bearer", "BEARER"]), FILLER, FILLER)
def test_bearer_tokens_always_scrubbed(token, word, before, after):
    assert (
        scrub_text(f"{before} Authorization: {word} {token} {after}") == f"{before} Authorization: {FILTERED} {after}"
    )
    assert scrub_text(f"{before} sent {word} {token} {after}") == f"{before} sent {word} {FILTERED} {after}"


@PROPS
@given(
    st.sampled_from(["https", "http", "postgres", "redis", "ftp", "amqp"]),
    URL_SAFE,
    URL_SAFE,
    st.from_regex(r"[a-z]{1,10}\.example(\.com)?", fullmatch=True),
    FILLER,
    FILLER,
)
def test_url_credentials_always_scrubbed(scheme, user, password, host, before, after):
    url = f"{scheme}://{user}:{password}@{host}/path?q=1"
    out = scrub_text(f"{before} {url} {after}")
    assert f"{user}:{password}" not in out and f"{scheme}://{FILTERED}@{host}/path" in out, out


@PROPS
@given(imeis(), FILLER, PUNCT, CLOSE, FILLER)
def test_imeis_always_scrubbed(imei, before, punct, close, after):
    out = scrub_text(_embedded(imei, before, punct, close, after))
    assert imei not in out and FILTERED in out, out


@PROPS
@given(macs(), FILLER, PUNCT, CLOSE, FILLER)
def test_macs_always_scrubbed(mac, before, punct, close, after):
    out = scrub_text(_embedded(mac, before, punct, close, after))
    assert mac not in out and FILTERED in out, out


@PROPS
@given(
    st.sampled_from(
        [
            "password",
            "passwd",
            "secret",
            "api_key",
            "apikey",
            "auth",
            "credentials",
            "mysql_pwd",
            "privatekey",
            "private_key",
            "token",
            "session",
            "csrf",
            "X-Api-Key",
        ]
    ),
    st.text(alphabet=string.ascii_letters + string.digits + "!$%()*+-./@^_", min_size=1, max_size=30),
    st.sampled_from(["=", ": ", "="]),
    FILLER,
)
def test_values_of_sensitive_keys_always_scrubbed_in_text(key, value, sep, before):
    out = scrub_text(f"{before} {key}{sep}{value} end")
    assert out.endswith(f"{key}{sep}{FILTERED} end"), out


# --------------------------------------------------------------------------- no false positives


ORDINARY = st.one_of(
    st.integers(946_684_800, 4_102_444_800).map(str),  # unix timestamps, seconds (2000-2100)
    # ... and milliseconds, to 2090 (from 2096 they are 13 digits starting with 4, as old Visa cards)
    st.integers(946_684_800_000, 3_786_912_000_000).map(str),
    st.datetimes().map(lambda d: d.isoformat()),  # ISO dates and times
    st.dates().map(str),
    st.integers(0, 10**12 - 1).map(str),  # integer ids (up to 12 digits, see the module docstring)
    st.uuids().map(str),  # UUIDs are ids, not scrubbed by default
    st.uuids().map(lambda u: u.hex),
    st.tuples(*[st.integers(0, 999)] * 3).map(lambda v: "v%d.%d.%d" % v),  # version strings
    st.tuples(*[st.integers(0, 99)] * 4).map(lambda v: "%d.%d.%d-rc%d" % v),
    st.integers(1, 65535).map(lambda p: f"localhost:{p}"),  # ports
    st.integers(100, 599).map(lambda s: f"HTTP {s}"),  # status codes
    st.integers(1, 99999).map(lambda n: f"line {n}"),  # line numbers
    st.tuples(st.integers(1, 9999), st.integers(1, 999)).map(lambda t: f"app.py:{t[0]}:{t[1]}"),
)


@PROPS
@given(st.lists(ORDINARY, min_size=1, max_size=6), FILLER)
def test_ordinary_numbers_never_scrubbed(values, before):
    text = f"{before} " + ", ".join(values) + " done"
    assert scrub_text(text) == text
