"""Credentials as real SDKs send them: header (Python), query (JS), envelope dsn (tunnels)."""

from __future__ import annotations

import pytest

from ingest.protocol.sentry_auth import AuthError, AuthInfo, Dsn, auth_from_request, parse_auth_header, parse_dsn

KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
OTHER_KEY = "ffffffffffffffffffffffffffffffff"
PYTHON_HEADER = f"Sentry sentry_key={KEY}, sentry_version=7, sentry_client=sentry.python/2.75.0"


def test_python_sdk_header() -> None:
    assert auth_from_request(header=PYTHON_HEADER) == AuthInfo(
        public_key=KEY, client="sentry.python/2.75.0", version="7", project_id_from_dsn=None
    )


@pytest.mark.parametrize(
    "header",
    [
        f"Sentry sentry_key={KEY},sentry_version=7",
        f"sentry sentry_key={KEY} , sentry_version = 7",
        f'Sentry sentry_key="{KEY}", sentry_version="7"',
        f"  SENTRY   sentry_key={KEY}, sentry_version=7, garbage",
        f"sentry_key={KEY}, sentry_version=7",
        f"Sentry\tsentry_key={KEY}, sentry_version=7",
    ],
)
def test_header_variants_seen_in_the_wild(header: str) -> None:
    info = auth_from_request(header=header)
    assert (info.public_key, info.version) == (KEY, "7")


def test_parse_auth_header_keeps_every_pair() -> None:
    assert parse_auth_header(PYTHON_HEADER) == {
        "sentry_key": KEY,
        "sentry_version": "7",
        "sentry_client": "sentry.python/2.75.0",
    }


def test_node_sdk_query_string() -> None:
    query = {"sentry_version": "7", "sentry_key": KEY, "sentry_client": "sentry.javascript.node/11.0.0"}
    info = auth_from_request(query=query)
    assert info == AuthInfo(public_key=KEY, client="sentry.javascript.node/11.0.0", version="7")


def test_header_wins_over_query() -> None:
    info = auth_from_request(header=PYTHON_HEADER, query={"sentry_key": OTHER_KEY})
    assert info.public_key == KEY


def test_header_without_a_key_falls_back_to_query() -> None:
    assert auth_from_request(header="Sentry sentry_version=7", query={"sentry_key": KEY}).public_key == KEY


def test_envelope_dsn_alone_is_enough_and_gives_the_project() -> None:
    info = auth_from_request(envelope_headers={"dsn": f"https://{KEY}@errors.example.com/42"})
    assert info == AuthInfo(public_key=KEY, project_id_from_dsn=42)


def test_header_and_matching_dsn() -> None:
    info = auth_from_request(header=PYTHON_HEADER, envelope_headers={"dsn": f"https://{KEY}@h/7"})
    assert (info.public_key, info.project_id_from_dsn) == (KEY, 7)


def test_key_disagreeing_with_dsn_is_refused() -> None:
    with pytest.raises(AuthError, match="does not match"):
        auth_from_request(header=PYTHON_HEADER, envelope_headers={"dsn": f"https://{OTHER_KEY}@h/7"})


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        (f"https://{KEY}@o1.ingest.example.com/5", Dsn(KEY, 5, "o1.ingest.example.com")),
        (f"http://{KEY}:secret@localhost:8000/5", Dsn(KEY, 5, "localhost")),
        (f"https://{KEY}@example.com/sentry/prefix/123/", Dsn(KEY, 123, "example.com")),
    ],
)
def test_parse_dsn(dsn: str, expected: Dsn) -> None:
    assert parse_dsn(dsn) == expected


@pytest.mark.parametrize(
    ("dsn", "message"),
    [
        ("not a url", "http\\(s\\) URL"),
        (f"ftp://{KEY}@h/1", "http\\(s\\) URL"),
        ("https://h/1", "no public key"),
        (f"https://{KEY}@h/", "numeric project id"),
        (f"https://{KEY}@h/abc", "numeric project id"),
        (f"https://{KEY}@h:99999999/1", "not a valid URL"),
        ("https://bad key@h/1", "not a valid public key"),
    ],
)
def test_bad_dsn(dsn: str, message: str) -> None:
    with pytest.raises(AuthError, match=message):
        parse_dsn(dsn)


def test_dsn_that_is_not_a_string() -> None:
    with pytest.raises(AuthError, match="must be a string"):
        auth_from_request(envelope_headers={"dsn": 42})


def test_no_credentials_anywhere_says_where_to_put_them() -> None:
    with pytest.raises(AuthError, match="X-Sentry-Auth header, a sentry_key query parameter or a dsn") as info:
        auth_from_request(header="", query={}, envelope_headers={})
    assert info.value.status == 401


@pytest.mark.parametrize("key", ["", "has space", "semi;colon", "x" * 129, "ключ"])
def test_malformed_key_is_refused(key: str) -> None:
    with pytest.raises(AuthError, match="not a valid public key"):
        auth_from_request(query={"sentry_key": key})


def test_malformed_version_is_refused() -> None:
    with pytest.raises(AuthError, match="sentry_version"):
        auth_from_request(header=f"Sentry sentry_key={KEY}, sentry_version=seven")


def test_client_is_cleaned_for_display() -> None:
    info = auth_from_request(query={"sentry_key": KEY, "sentry_client": "evil\x1b[31m/1" + "x" * 500})
    assert info.client is not None and "\x1b" not in info.client and len(info.client) == 200
