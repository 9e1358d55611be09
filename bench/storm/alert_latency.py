"""Capture → Slack latency under load: how long until a new issue's alert reaches Slack.

    .venv/bin/python -m bench.storm.alert_latency --target errorhub-embedded --rate 500 --seconds 30

Starts the target (as ``bench.storm.run`` does) with its Slack Web API pointed at a
local stand-in (``tests/alerts/slack_standin.py``: the real slack_sdk client talks
HTTP to it) and a rule "every new issue → #alerts", created after the captured SDK
envelopes were sent once (their issues exist). A background load of those
envelopes runs at ``--rate`` (half the 1,000/s target by default) and, meanwhile,
``--probes`` events per second each open a new issue (a unique message). For every
probe: the time from its POST to the stand-in receiving its ``chat.postMessage``.
Writes bench/results/alert-latency-<date>.md and .json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from bench.storm import loadgen_replay, run, targets

RULE_CACHE_SECONDS = 5.0  # as alerts.selectors.RULE_CACHE_SECONDS: how long a worker caches a project's rules

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from tests.alerts.slack_standin import NEW_ISSUE_RULE_SCRIPT, SlackStandIn  # noqa: E402 (a stand-in server, not test code)


class TimedSlack(SlackStandIn):
    """Notes when each probe's message arrives (probes are found by their token in the call)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, float] = {}

    def answer(self, method: str, args: dict[str, Any], auth: str) -> tuple[int, dict[str, str], Any]:
        now = time.time()
        if method == "chat.postMessage":
            text = json.dumps(args)
            start = text.find("probe-")
            if start >= 0:
                self.arrived.setdefault(text[start : start + 18], now)
        return super().answer(method, args, auth)


def _probes(url: str, auth: str, per_second: float, seconds: float, sent: dict[str, float]) -> None:
    """One new issue per probe: its own fingerprint."""
    session = requests.Session()
    began = time.time()
    n = 0
    while time.time() - began < seconds:
        token = f"probe-{uuid.uuid4().hex[:12]}"
        body = json.dumps(
            {"message": f"alert latency {token}", "level": "error", "platform": "python", "fingerprint": [token]}
        )
        sent[token] = time.time()
        session.post(
            url, data=body, headers={"Content-Type": "application/json", "X-Sentry-Auth": auth}, timeout=30
        ).raise_for_status()
        n += 1
        delay = began + n / per_second - time.time()
        if delay > 0:
            time.sleep(delay)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="errorhub-embedded", choices=("errorhub-embedded", "errorhub-prod"))
    parser.add_argument("--rate", type=float, default=500.0, help="background events/s")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--probes",
        type=float,
        default=0.5,
        help="new-issue probes per second (Slack takes one message per second per channel: keep below 1)",
    )
    parser.add_argument("--procs", type=int, default=4)
    args = parser.parse_args(argv)

    slack = TimedSlack()
    os.environ.update(
        SLACK_API_BASE_URL=slack.start(), SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="bench-signing-secret"
    )
    target = targets.make(args.target)
    result: dict[str, Any] = {"target": args.target, "rate": args.rate, "seconds": args.seconds}
    try:
        target.start()
        project_id = loadgen_replay.parse_dsn(target.dsn)[2]
        # the background templates' issues exist before the rule does: only probes open new issues
        warm = len(loadgen_replay.templates())
        loadgen_replay.storm(target.dsn, "warm-up", warm * 2, 1, 1)
        deadline = time.time() + 60
        while target.processed() < warm * 2 and time.time() < deadline:
            time.sleep(0.2)
        subprocess.run(
            [
                str(targets.VENV_BIN / "python"),
                "manage.py",
                "shell",
                "-c",
                NEW_ISSUE_RULE_SCRIPT.format(pid=project_id),
            ],
            env=target.env(),
            cwd=REPO,
            check=True,
        )
        time.sleep(RULE_CACHE_SECONDS + 1)  # the worker's rule cache learns of the new rule
        url, key, _ = loadgen_replay.parse_dsn(target.dsn)
        store_url = url.replace("/envelope/", "/store/")
        auth = f"Sentry sentry_key={key}, sentry_version=7, sentry_client=bench-alert-latency/1.0"
        sent: dict[str, float] = {}
        events = int(args.rate * args.seconds)
        background = threading.Thread(
            target=lambda: result.update(
                load=loadgen_replay.storm(target.dsn, uuid.uuid4().hex[:12], events, args.procs, 4, args.rate)
            )
        )
        background.start()
        time.sleep(3)  # the loadgen's processes start and the load reaches its rate
        _probes(store_url, auth, args.probes, max(1.0, args.seconds - 6), sent)
        background.join()
        deadline = time.time() + 60
        while time.time() < deadline and len(slack.arrived) < len(sent):
            time.sleep(0.25)
        latencies = sorted((slack.arrived[t] - s) * 1000 for t, s in sent.items() if t in slack.arrived)
        load = result.pop("load", [])
        statuses: dict[str, int] = {}
        for r in load:
            for k, v in r["statuses"].items():
                statuses[str(k)] = statuses.get(str(k), 0) + v
        first = min((r["first_send"] for r in load if r.get("first_send")), default=0)
        last = max((r.get("last_ok", 0) for r in load), default=0)
        result.update(
            background_statuses=statuses,
            background_rate_achieved=round(sum(int(v) for k, v in statuses.items() if k == "200") / (last - first), 1)
            if last > first
            else None,
            probes_sent=len(sent),
            probes_alerted=len(latencies),
        )
        if latencies:
            q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
            result.update(
                p50_ms=round(statistics.median(latencies), 1),
                p95_ms=round(q[94], 1),
                p99_ms=round(q[98], 1),
                max_ms=round(latencies[-1], 1),
            )
    finally:
        target.stop()
        slack.stop()
    now = dt.datetime.now(dt.UTC)
    meta = run.machine()
    command = " ".join([".venv/bin/python -m bench.storm.alert_latency", *(argv or sys.argv[1:])])
    text = "\n".join(
        [
            f"# Capture → Slack latency, {now.strftime('%Y-%m-%d %H:%M UTC')}",
            "",
            f"- command: `{command}`",
            f"- machine: {meta['nproc']} CPUs ({meta['cpu']}), {meta['mem_mib']} MiB, Python {meta['python']}; "
            f"commit {meta['commit']}",
            "",
            "| target | background load (events/s, achieved) | probes sent | alerted "
            "| p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|---|---|",
            f"| {args.target} | {args.rate:.0f} ({result.get('background_rate_achieved')}) "
            f"| {result.get('probes_sent')} | {result.get('probes_alerted')} "
            f"| {result.get('p50_ms')} | {result.get('p95_ms')} | {result.get('p99_ms')} "
            f"| {result.get('max_ms')} |",
            "",
            "Latency: from the probe's POST to the Slack stand-in receiving its chat.postMessage (rule: every new "
            "issue → #alerts; the real slack_sdk client over HTTP).",
            "",
        ]
    )
    print(text)
    run.RESULTS.mkdir(exist_ok=True)
    stem = run.RESULTS / f"alert-latency-{args.target}-{now.strftime('%Y-%m-%d-%H%M')}"
    stem.with_suffix(".md").write_text(text)
    stem.with_suffix(".json").write_text(
        json.dumps({"date": now.isoformat(), "command": command, "machine": meta, **result}, indent=2)
    )
    print(f"written {stem}.md and .json")


if __name__ == "__main__":
    main()
