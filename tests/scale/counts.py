"""What the cluster stored, read straight from PostgreSQL, Redis and OpenSearch (never through
ErrorHub's code: the count must not share a bug with what it counts)."""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from typing import Any

import psycopg
import redis
import requests


def read_sql(db_url: str, project_id: int) -> dict[str, Any]:
    """Claims, issues, fingerprints, outbox, dead letters, activity and deliveries of the project."""
    with psycopg.connect(db_url, autocommit=True) as conn:

        def rows(query: str) -> list[tuple[Any, ...]]:
            return conn.execute(query, [project_id]).fetchall()

        deliveries = conn.execute(
            "SELECT d.id, d.rule_id, r.name, d.issue_id, d.reason, d.status, d.slack_ts, d.attempts "
            "FROM alerts_delivery d JOIN alerts_rule r ON r.id = d.rule_id WHERE r.project_id = %s ORDER BY d.id",
            [project_id],
        ).fetchall()
        activities: dict[str, Counter[int]] = {}
        for kind, issue_id, n in rows(
            "SELECT a.kind, a.issue_id, count(*) FROM errorhub_activity a JOIN errorhub_issue i ON i.id = a.issue_id "
            "WHERE i.project_id = %s GROUP BY a.kind, a.issue_id"
        ):
            activities.setdefault(kind, Counter())[issue_id] = n
        return {
            "sql": dict(rows("SELECT event_id, issue_id FROM ingest_seenevent WHERE project_id = %s")),
            "times_seen": dict(rows("SELECT id, times_seen FROM errorhub_issue WHERE project_id = %s")),
            "outbox": rows("SELECT count(*) FROM ingest_indexoutbox WHERE project_id = %s")[0][0],
            "dead_letters": conn.execute("SELECT count(*) FROM ingest_deadletter").fetchone()[0],  # type: ignore[index]
            "activities": activities,
            "deliveries": [
                dict(zip(("id", "rule_id", "rule", "issue_id", "reason", "status", "slack_ts", "attempts"), row))
                for row in deliveries
            ],
        }


def read_engine(url: str, prefix: str, project_id: int) -> tuple[Counter[str], Counter[int]]:
    """Documents per event id and per issue id in every index of ``prefix`` (composite
    aggregations, paged: no hit window limits the count)."""
    requests.post(f"{url}/{prefix}-*/_refresh", params={"ignore_unavailable": "true"}, timeout=30)
    per_event: Counter[str] = Counter()
    per_issue: Counter[int] = Counter()
    for field_name, into in (("event_id", per_event), ("issue_id", per_issue)):
        after = None
        while True:
            composite: dict[str, Any] = {"size": 5000, "sources": [{"k": {"terms": {"field": field_name}}}]}
            if after:
                composite["after"] = after
            body = {
                "size": 0,
                "query": {"term": {"project_id": str(project_id)}},
                "aggs": {"all": {"composite": composite}},
            }
            answer = requests.post(
                f"{url}/{prefix}-*/_search", params={"ignore_unavailable": "true"}, json=body, timeout=60
            )
            answer.raise_for_status()
            aggregation = answer.json().get("aggregations", {}).get("all", {})
            for bucket in aggregation.get("buckets", []):
                key = bucket["key"]["k"]
                into[int(key) if field_name == "issue_id" else key] += bucket["doc_count"]
            after = aggregation.get("after_key")
            if not aggregation.get("buckets") or not after:
                break
    return per_event, per_issue


def unacked_events(broker_url: str, event_ids: set[str]) -> dict[str, set[str]]:
    """Delivery tag -> the given event ids its message carries, for every message some worker
    has taken and not acknowledged (kombu's ``unacked`` hash: [message, exchange, routing key])."""
    client = redis.Redis.from_url(broker_url, socket_timeout=10)
    held: dict[str, set[str]] = {}
    for tag, value in client.hgetall("unacked").items():
        message = json.loads(value)[0]
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body).decode("utf-8", "replace")
        held[tag.decode()] = set(_HEX_ID.findall(body)) & event_ids
    return held


def claimed_after(broker_url: str, since: float) -> set[str]:
    """Delivery tags some worker took from a queue after ``since`` (epoch seconds): kombu's
    ``unacked_index`` scores each held message with the time it was taken."""
    client = redis.Redis.from_url(broker_url, socket_timeout=10)
    return {tag.decode() for tag in client.zrangebyscore("unacked_index", f"({since}", "+inf")}


_HEX_ID = re.compile(r"[0-9a-f]{32}")
