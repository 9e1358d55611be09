"""Access records -> events: 5xx only, grouped by route template."""

from __future__ import annotations

import pytest

from ingest.protocol.logs.access import event_from_access, parse_access_line, route_template

LINE = '10.0.0.1 - - [01/May/2024:10:00:00 +0000] "{method} {url} HTTP/1.1" {status} 12 "-" "curl/8" "-"'


@pytest.mark.parametrize(
    ("url", "route"),
    [
        ("/users/123/orders/9f8e7d6c5b4a3921", "/users/{id}/orders/{id}"),
        ("/api/v2/items/550e8400-e29b-41d4-a716-446655440000/edit?x=1", "/api/v2/items/{id}/edit"),
        ("/files/5f2b8c9e1a3d4e6f7a8b9c0d", "/files/{id}"),
        ("/reports/2024-05-01", "/reports/{id}"),
        ("/u/jane@example.com/", "/u/{id}/"),
        ("/tokens/aZ3kQ9xYp2LmN8bV7cT", "/tokens/{id}"),
        ("/health", "/health"),
        ("/", "/"),
        ("/static/app.css", "/static/app.css"),
        ("/v1/users", "/v1/users"),
        ("http://example.com/a/1?b=2", "/a/{id}"),
        ("*", "*"),
    ],
)
def test_route_template(url: str, route: str) -> None:
    assert route_template(url) == route


def test_5xx_becomes_an_event_grouped_by_route() -> None:
    defaults = {"service": "shop", "environment": "prod", "project_id": 3}
    first = event_from_access(
        parse_access_line(LINE.format(method="GET", url="/api/orders/991?debug=1", status=502)), defaults
    )
    second = event_from_access(parse_access_line(LINE.format(method="GET", url="/api/orders/7", status=502)), defaults)
    assert first["fingerprint"] == second["fingerprint"] == ["http-5xx", "shop", "GET", "/api/orders/{id}", "502"]
    assert first["message"] == "502 GET /api/orders/{id}"
    assert first["transaction"] == "GET /api/orders/{id}"
    assert first["request"] == {"method": "GET", "url": "/api/orders/991?debug=1", "status_code": 502}
    assert (first["level"], first["source"], first["environment"], first["project_id"]) == (
        "error",
        "log:nginx",
        "prod",
        3,
    )
    assert first["timestamp"] == "2024-05-01T10:00:00Z"


@pytest.mark.parametrize("status", [200, 301, 404, 499])
def test_other_statuses_make_no_event(status: int) -> None:
    assert event_from_access(parse_access_line(LINE.format(method="GET", url="/", status=status)), {}) is None


def test_request_id_from_ingress_line() -> None:
    line = (
        '0.0.0.0 - - [18/Mar/2023:15:00:00 +0000] "GET /some/path HTTP/2.0" 504 0 "-" "x" 462 60.0 '
        "[svc-80] [] 10.0.50.80:9000 0 60.000 504 752178adb17130b291aefd8c386279e7"
    )
    event = event_from_access(parse_access_line(line), {})
    assert event["request_id"] == "752178adb17130b291aefd8c386279e7"


@pytest.mark.parametrize(
    ("line", "level"),
    [
        (
            "2024/05/01 10:00:00 [error] 7#7: *9 connect() failed (111: Connection refused) "
            "while connecting to upstream, "
            'client: 1.2.3.4, server: shop, request: "GET /api/orders/5 HTTP/1.1", '
            'upstream: "http://10.0.0.2:8000/api/orders/5", '
            'host: "shop.example"',
            "error",
        ),
        ("2024/05/01 10:00:00 [crit] 7#7: *9 SSL_do_handshake() failed", "fatal"),
        ("[Wed May 01 10:00:00.000 2024] [proxy:emerg] [pid 1] AH00898: boom", "fatal"),
    ],
)
def test_error_log_lines(line: str, level: str) -> None:
    event = event_from_access(parse_access_line(line), {"service": "edge"})
    assert event["level"] == level
    assert event["fingerprint"][0].endswith("-error-log")


def test_nginx_error_groups_across_requests() -> None:
    def make(n: int) -> str:
        return (
            '2024/05/01 10:00:00 [error] 7#7: *%d open() "/srv/x/%d" failed (2: No such file or directory), '
            'client: 1.2.3.4, server: s, request: "GET /x/%d HTTP/1.1"' % (n, n, n)
        )

    one, two = (event_from_access(parse_access_line(make(n)), {}) for n in (1, 2))
    assert one["fingerprint"] == two["fingerprint"]
    assert one["transaction"] == "GET /x/{id}"


@pytest.mark.parametrize(
    "line",
    [
        "2024/05/01 10:00:00 [warn] 7#7: *9 upstream buffered",
        "2024/05/01 10:00:00 [notice] 7#7: signal process started",
    ],
)
def test_error_log_below_error_is_ignored(line: str) -> None:
    assert event_from_access(parse_access_line(line), {}) is None
