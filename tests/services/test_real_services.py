"""Proves that the test suite talks to real PostgreSQL, Redis and OpenSearch servers.

Start them with ``bash scripts/services.sh up`` and ``. .services/env``, then::

    python -m pytest -p no:django tests/services -q

Every test FAILS (never skips, never errors in setup) when its variable is missing or the server does
not answer: a green run here means the real services were there.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

CONNECT_TIMEOUT = 10


def _require_env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        pytest.fail(
            f"{name} is not set: run `bash scripts/services.sh up && . .services/env` first",
            pytrace=False,
        )
    return value


# --------------------------------------------------------------------------- PostgreSQL
_cache: dict = {}


def _cached(name):
    """Connect once per module, but inside the test body so a failure is a FAILED test."""

    def deco(fn):
        def wrapper():
            if name not in _cache:
                _cache[name] = fn()
            return _cache[name]

        return wrapper

    return deco


@pytest.fixture(scope="module", autouse=True)
def _close_connections():
    yield
    for obj in _cache.values():
        client = obj[0] if isinstance(obj, tuple) else obj
        try:
            client.close()
        except Exception:  # noqa: BLE001
            pass
    _cache.clear()


@_cached("pg")
def _pg_conn():
    import psycopg

    url = _require_env("ERRORHUB_TEST_DATABASE_URL")
    try:
        conn = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, autocommit=True)
    except Exception as exc:  # noqa: BLE001 - any failure to connect is a test failure
        pytest.fail(f"PostgreSQL at {url!r} is unreachable: {exc}", pytrace=False)
    return conn


def test_postgres_is_real_server():
    pg_conn = _pg_conn()
    (version,) = pg_conn.execute("SELECT version()").fetchone()
    assert "PostgreSQL" in version


def test_postgres_role_can_create_databases():
    pg_conn = _pg_conn()
    """Django's test runner creates test_* databases: the role needs CREATEDB."""
    (can_create,) = pg_conn.execute("SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user").fetchone()
    assert can_create is True
    (max_conn,) = pg_conn.execute("SHOW max_connections").fetchone()
    assert int(max_conn) >= 200


def test_postgres_url_matches_connection():
    pg_conn = _pg_conn()
    url = urlsplit(os.environ["ERRORHUB_TEST_DATABASE_URL"])
    info = pg_conn.info
    assert info.host in ("127.0.0.1", url.hostname)
    assert info.port == url.port
    assert info.dbname == url.path.lstrip("/")


# --------------------------------------------------------------------------- Redis
@_cached("redis")
def _redis_client():
    import redis

    url = _require_env("ERRORHUB_TEST_REDIS_URL")
    client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"Redis at {url!r} is unreachable: {exc}", pytrace=False)
    return client


def test_redis_is_real_server():
    redis_client = _redis_client()
    info = redis_client.info("server")
    assert "redis_version" in info
    assert info["redis_version"]
    assert int(info["tcp_port"]) == urlsplit(os.environ["ERRORHUB_TEST_REDIS_URL"]).port


def test_redis_appendonly_enabled():
    redis_client = _redis_client()
    assert redis_client.config_get("appendonly") == {"appendonly": "yes"}


def test_redis_roundtrip():
    redis_client = _redis_client()
    key = f"errorhub:test_real_services:{os.getpid()}"
    try:
        redis_client.set(key, "ok", ex=60)
        assert redis_client.get(key) == b"ok"
    finally:
        redis_client.delete(key)


# --------------------------------------------------------------------------- OpenSearch
@_cached("opensearch")
def _opensearch_client():
    from opensearchpy import OpenSearch

    url = _require_env("ERRORHUB_TEST_OPENSEARCH_URL")
    client = OpenSearch(hosts=[url], timeout=CONNECT_TIMEOUT, max_retries=0)
    try:
        info = client.info()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"OpenSearch at {url!r} is unreachable: {exc}", pytrace=False)
    return client, info


def test_opensearch_is_real_server():
    opensearch_client = _opensearch_client()
    _, info = opensearch_client
    assert info["version"]["distribution"] == "opensearch"
    assert info["version"]["number"]


def test_opensearch_cluster_healthy():
    opensearch_client = _opensearch_client()
    client, _ = opensearch_client
    health = client.cluster.health(wait_for_status="yellow")  # server-side wait, 30 s default
    assert health["status"] in ("yellow", "green")


def test_opensearch_index_and_search():
    opensearch_client = _opensearch_client()
    client, _ = opensearch_client
    index = f"errorhub-services-selftest-{os.getpid()}"
    try:
        client.indices.create(index=index, body={"settings": {"number_of_shards": 1, "number_of_replicas": 0}})
        client.index(index=index, id="1", body={"message": "ZeroDivisionError: division by zero"}, refresh=True)
        hits = client.search(index=index, body={"query": {"match": {"message": "ZeroDivisionError"}}})
        assert hits["hits"]["total"]["value"] == 1
    finally:
        client.indices.delete(index=index, ignore_unavailable=True)
