"""Replay captured real SDK envelopes (tests/fixtures/sentry/<lang>/*_event.envelope) over HTTP.

Every envelope is sent with a fresh event id and the ``bench_run``/``bench_seq``
tags, re-addressed to the target's DSN, from several processes each running a
few threads with keep-alive sessions, at a set total rate (0 = as fast as possible).
The same sequence number always maps to the same template, so every target gets
the same payloads.
"""

from __future__ import annotations

import http.client
import multiprocessing as mp
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "sentry"


def templates() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(envelope header, event body) of every captured single-event envelope."""
    found = []
    for path in sorted(FIXTURES.glob("*/*.envelope")):
        lines = path.read_bytes().split(b"\n")
        header, item_header = orjson.loads(lines[0]), orjson.loads(lines[1])
        if item_header.get("type") != "event":
            continue
        length = item_header.get("length")
        rest = b"\n".join(lines[2:])
        body = orjson.loads(rest[:length] if length else lines[2])
        found.append((header, body))
    return found


def parse_dsn(dsn: str) -> tuple[str, str, str]:
    """(envelope URL, public key, project id) of a DSN."""
    parts = urlsplit(dsn)
    project = parts.path.strip("/").split("/")[-1]
    return f"{parts.scheme}://{parts.hostname}:{parts.port}/api/{project}/envelope/", parts.username or "", project


def build(template: tuple[dict[str, Any], dict[str, Any]], dsn: str, run_id: str, seq: int) -> tuple[str, bytes]:
    """(event id, envelope bytes) for one sequence number."""
    header, body = dict(template[0]), dict(template[1])
    event_id = uuid.uuid4().hex
    header["event_id"] = body["event_id"] = event_id
    header["sent_at"] = body["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000000Z"
    if "dsn" in header:
        header["dsn"] = dsn
    tags = body.get("tags") or {}
    tags = dict(tags) if isinstance(tags, dict) else {k: v for k, v in tags}
    tags.update(bench_run=run_id, bench_seq=str(seq))
    body["tags"] = tags
    payload = orjson.dumps(body)
    item = orjson.dumps({"type": "event", "content_type": "application/json", "length": len(payload)})
    return event_id, orjson.dumps(header) + b"\n" + item + b"\n" + payload + b"\n"


def _thread(
    url: str, auth: str, bodies: list[bytes], seqs: list[int], interval: float, start_at: float, stats: dict
) -> None:
    """One keep-alive connection (reopened when the server closes it) sending its share of bodies.

    Records the sequence numbers the server did not accept (``refused``: any answer
    but 200, an SDK drops or retries those; ``unanswered``: no answer at all) and
    every 429 that came without ``Retry-After``.

    Plain ``http.client``: ``requests`` spent ~1 ms of CPU per request here, CPU the
    load generator takes from the two cores it shares with the system under test.
    """
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Content-Type": "application/x-sentry-envelope", "X-Sentry-Auth": auth}
    while time.time() < start_at:
        time.sleep(0.002)
    began = time.time()
    for n, (body, seq) in enumerate(zip(bodies, seqs)):
        if interval:
            delay = began + n * interval - time.time()
            if delay > 0:
                time.sleep(delay)
        sent = time.time()
        stats["first_send"] = min(stats.get("first_send") or sent, sent)
        try:
            conn.request("POST", parts.path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except Exception as exc:  # connection refused/reset: counted (with its kind), not fatal
            conn.close()
            stats["errors"] += 1
            stats["error_kinds"][type(exc).__name__] = stats["error_kinds"].get(type(exc).__name__, 0) + 1
            stats["unanswered"].append(seq)
            continue
        stats["statuses"][status] = stats["statuses"].get(status, 0) + 1
        if status == 200:
            stats["last_ok"] = max(stats.get("last_ok", 0.0), time.time())
        else:
            stats["refused"].append(seq)
            if status == 429 and not response.getheader("Retry-After"):
                stats["no_retry_after"] += 1
    conn.close()


def _sender(
    url: str, auth: str, bodies: list[bytes], seqs: list[int], threads: int, interval: float, start_at: float, out: Any
) -> None:
    """Run ``threads`` senders, each with its own counters (merged at the end: no lost increments)."""
    per_thread: list[dict[str, Any]] = [
        {"statuses": {}, "errors": 0, "error_kinds": {}, "refused": [], "unanswered": [], "no_retry_after": 0}
        for _ in range(threads)
    ]
    workers = [
        threading.Thread(
            target=_thread,
            args=(url, auth, bodies[i::threads], seqs[i::threads], interval * threads, start_at, per_thread[i]),
        )
        for i in range(threads)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stats: dict[str, Any] = {
        "events": len(bodies),
        "statuses": {},
        "errors": 0,
        "error_kinds": {},
        "refused": [],
        "unanswered": [],
        "no_retry_after": 0,
        "first_send": min((t["first_send"] for t in per_thread if t.get("first_send")), default=0.0),
        "last_ok": max((t.get("last_ok", 0.0) for t in per_thread), default=0.0),
    }
    for t in per_thread:
        stats["errors"] += t["errors"]
        stats["no_retry_after"] += t["no_retry_after"]
        stats["refused"] += t["refused"]
        stats["unanswered"] += t["unanswered"]
        for field in ("statuses", "error_kinds"):
            for k, v in t[field].items():
                stats[field][k] = stats[field].get(k, 0) + v
    out.put(stats)


def storm(
    dsn: str, run_id: str, events: int, procs: int, threads: int = 4, rate: float = 0.0, first_seq: int = 0
) -> list[dict]:
    """Send ``events`` envelopes (sequence numbers from ``first_seq``) at ``rate``/s in total
    (0 = unbounded); return per-process stats."""
    url, key, _ = parse_dsn(dsn)
    auth = f"Sentry sentry_key={key}, sentry_version=7, sentry_client=bench-replay/1.0"
    pool = templates()
    seqs = list(range(first_seq, first_seq + events))
    bodies = [build(pool[seq % len(pool)], dsn, run_id, seq)[1] for seq in seqs]
    interval = procs / rate if rate else 0.0
    start_at = time.time() + 2.0
    return run_senders(
        _sender, [(url, auth, bodies[i::procs], seqs[i::procs], threads, interval, start_at) for i in range(procs)]
    )


def run_senders(sender: Any, args_per_process: list[tuple]) -> list[dict]:
    """Run ``sender(*args, out)`` in one spawned process per argument tuple; return what each
    put on ``out`` (its stats), in completion order."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    workers = [ctx.Process(target=sender, args=(*args, out)) for args in args_per_process]
    for w in workers:
        w.start()
    results = [out.get(timeout=900) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    return results
