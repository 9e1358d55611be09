"""Access/error-log line parsing beyond the corpus samples."""

from __future__ import annotations

import pytest

from ingest.protocol.logs.access import access_from_fields, might_be_access, parse_access_line, parse_combined


def test_upstreaminfo_with_retried_upstreams() -> None:
    line = (
        '10.0.0.9 - - [18/Mar/2023:15:00:00 +0000] "POST /api/pay HTTP/1.1" 502 150 "-" "curl/8" 300 1.002 '
        "[shop-api-80] [] 10.1.0.5:8080, 10.1.0.6:8080 0, 0 0.500, 0.502 502, 502 0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    )
    record = parse_access_line(line)
    assert record.format == "ingress_upstreaminfo"
    assert record.fields["upstream_addr"] == "10.1.0.5:8080, 10.1.0.6:8080"
    assert record.fields["upstream_status"] == "502, 502"
    assert record.request_id == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def test_escaped_quote_in_request_and_bad_request_line() -> None:
    record = parse_combined('1.2.3.4 - - [01/Apr/2021:12:02:31 +0000] "GET /a\\"b HTTP/1.1" 500 1 "-" "-"')
    assert (record.method, record.url, record.status) == ("GET", '/a\\"b', 500)
    garbage = parse_combined('1.2.3.4 - - [01/Apr/2021:12:02:31 +0000] "\\x16\\x03\\x01" 400 0 "-" "-"')
    assert garbage.status == 400 and garbage.method is None


@pytest.mark.parametrize(
    ("fields", "server", "method", "url", "status", "request_id"),
    [
        (
            {
                "time_iso8601": "2024-05-01T10:00:00+00:00",
                "remote_addr": "1.2.3.4",
                "request_method": "GET",
                "request_uri": "/api/orders/12?x=1",
                "status": "502",
                "request_id": "abc",
                "upstream_status": "502",
            },
            "nginx",
            "GET",
            "/api/orders/12?x=1",
            502,
            "abc",
        ),
        (
            {
                "level": "error",
                "logger": "http.log.access.log0",
                "msg": "handled request",
                "request": {"method": "POST", "uri": "/pay", "host": "shop", "headers": {"X-Request-Id": ["r-1"]}},
                "status": 503,
            },
            "caddy",
            "POST",
            "/pay",
            503,
            "r-1",
        ),
        (
            {"DownstreamStatus": 500, "RequestMethod": "GET", "RequestPath": "/x", "StartUTC": "2024-05-01T10:00:00Z"},
            "traefik",
            "GET",
            "/x",
            500,
            None,
        ),
        (
            {
                "at": "error",
                "code": "H12",
                "desc": "Request timeout",
                "method": "GET",
                "path": "/orders/42",
                "request_id": "8601b555",
                "dyno": "web.1",
                "status": "503",
            },
            "heroku",
            "GET",
            "/orders/42",
            503,
            "8601b555",
        ),
        (
            {"http.request.method": "PUT", "url.path": "/v1/items/9", "http.response.status_code": 500},
            "json",
            "PUT",
            "/v1/items/9",
            500,
            None,
        ),
    ],
)
def test_json_access_logs(fields, server, method, url, status, request_id) -> None:
    record = access_from_fields(fields)
    assert (record.server, record.method, record.url, record.status, record.request_id) == (
        server,
        method,
        url,
        status,
        request_id,
    )


@pytest.mark.parametrize(
    "fields", [{"status": "ok", "method": "GET"}, {"status": 200}, {"level": "error"}, {"status": 999, "path": "/"}]
)
def test_json_that_is_not_an_access_log(fields) -> None:
    assert access_from_fields(fields) is None


@pytest.mark.parametrize(
    "text", ["", "hello", "[not a date] [error] x", "2024/01/01 garbage", '{"status": 500', "{}", "[]"]
)
def test_not_access_lines(text: str) -> None:
    assert parse_access_line(text) is None


def test_apache_24_error_line_with_ctime() -> None:
    record = parse_access_line(
        "[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] "
        "[client 72.15.99.187:1234] AH00124: Request exceeded the limit of 10 internal redirects"
    )
    assert (record.severity, record.client, record.fields["module"]) == ("error", "72.15.99.187", "core")
    assert record.timestamp == "2000-10-11T14:32:52.123456Z"


def test_prefilter_accepts_what_the_parser_reads() -> None:
    assert might_be_access('1.2.3.4 - - [01/Apr/2021:12:02:31 +0000] "GET / HTTP/1.1" 502 1 "-" "-"')
    assert might_be_access("2021/04/01 13:02:31 [error] 31#31: boom")
    assert might_be_access("[Wed Oct 11 14:32:52 2000] [error] [client 1.2.3.4] boom")
    assert not might_be_access("2024-01-01 12:00:00 INFO ok")
