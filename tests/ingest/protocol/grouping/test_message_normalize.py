"""What ``normalize_message`` replaces, and what it must leave alone."""

from __future__ import annotations

import pytest

from ingest.protocol.message_normalize import MESSAGE_LIMIT, normalize_message

CASES = [
    ("User 42 (bob@example.com) timed out after 3.5s", "User <num> (<email>) timed out after <duration>"),
    ("GET https://api.example.com/v1/users/42?x=1 failed.", "GET <url> failed."),
    ("redirect to postgres://shop:secret@db:5432/shop", "redirect to <url>"),
    ("connect to db-1.internal.example.com:5432 refused", "connect to <host>:<num> refused"),
    ("from 10.0.0.12 via fe80::1ff:fe23:4567:890a and ::1", "from <ip> via <ip> and <ip>"),
    ("id 550e8400-E29B-41d4-a716-446655440000 missing", "id <uuid> missing"),
    ("object at 0x7f3a2b1c4d50", "object at <num>"),
    ("etag d41d8cd98f00b204e9800998ecf8427e", "etag <hash>"),
    ("sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1 <hash>"),
    ("sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 <hash>"),
    ("trace 4bf92f3577b34da6 span a1b2c3d4e5", "trace <hex> span <hex>"),
    ("at 2026-01-15T10:30:00.123Z", "at <date>"),
    ("at 2026-01-15 10:30:00,123", "at <date>"),
    ("on 2026-01-15", "on <date>"),
    ("Date: Mon, 15 Jan 2026 10:30:00 +0000", "Date: <date>"),
    ("[15/Jan/2026:10:30:00 +0000] GET", "[<date>] GET"),
    ("Jan 15 10:30:00 web-1 cron", "<date> web-<num> cron"),
    ("expires 01/15/2026", "expires <date>"),
    ("at 10:30:00.5 sharp", "at <date> sharp"),
    ("took 12ms, 250 ms, 3.5s, 2h and 3 seconds", "took <duration>, <duration>, <duration>, <duration> and <duration>"),
    ("where id='abc' and user=\"x y\"", "where id=<value> and user=<value>"),
    ("balance -17.50 of 1e6 items", "balance -<num> of <num> items"),
    ("order ORD-1234 for user_42", "order ORD-<num> for user_<num>"),
    ("  multi\n  line\tmessage  ", "multi line message"),
]

UNCHANGED = [
    "KeyError: 'order_id'",
    "sha256 utf8 int64 base64 http2",
    "std::vector Foo::bar Cache::add abc::def",
    "module app.views.checkout in settings.py",
    "deadbeef facade",
    "Cannot read properties of undefined (reading 'price')",
    "localhost refused",
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_replaces_variable_parts(raw: str, expected: str) -> None:
    assert normalize_message(raw) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_leaves_code_and_words_alone(text: str) -> None:
    assert normalize_message(text) == text


@pytest.mark.parametrize("raw", [raw for raw, _ in CASES] + UNCHANGED)
def test_normalising_twice_changes_nothing(raw: str) -> None:
    once = normalize_message(raw)
    assert normalize_message(once) == once


def test_only_the_first_kib_counts() -> None:
    head = "x" * MESSAGE_LIMIT
    assert normalize_message(head + " tail 1") == normalize_message(head + " other tail 2") == head
    assert normalize_message("id 42 " + "y" * 50, limit=8) == "id <num> yy"


def test_empty_text() -> None:
    assert normalize_message("") == ""
