"""Profile the web process tree under load from a real HTTP client, with py-spy.

    .venv/bin/python -m bench.storm.profile_web --loadgen sdk_load --events 3000 --procs 2
    .venv/bin/python -m bench.storm.profile_web --loadgen replay --events 3000 --procs 2

``bench/storm/profile.py`` profiles the ingest view in-process (no gunicorn, no socket,
no HTTP parsing); this one starts the embedded default exactly as the Procfile does
(``bench/storm/targets.py``), attaches ``py-spy record --subprocesses`` to the gunicorn
master and drives it with a load generator over HTTP, so the profile holds everything a
request costs in the web tree. It reports the web tree's CPU ms per accepted envelope
(from /proc, not from the samples) and where the samples fell; writes
bench/results/profile-web-<date>-<loadgen>.md and the collapsed stacks (.txt).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from bench.storm import loadgen_outside, loadgen_replay, measure, targets

RESULTS = Path(__file__).resolve().parents[1] / "results"
# Where a request's time goes, by the first matching frame of its stack (outermost match wins): the layers a
# request crosses in the web tree, from the socket to the queue.
LAYERS = (
    ("queue the payload (broker publish)", ("ingest/queue.py", "kombu/", "errorhub/brokers/")),
    ("ingest view (auth, limits, parse)", ("ingest/views.py", "ingest/wsgi_path.py", "ingest/protocol/")),
    ("Django request/middleware", ("django/",)),
    ("gunicorn HTTP parsing and response", ("gunicorn/http/",)),
    ("gunicorn worker loop (accept, keep-alive)", ("gunicorn/workers/",)),
    ("access log / logging", ("logging/", "gunicorn/glogging.py")),
)


def parse_collapsed(text: str) -> collections.Counter:
    """``stack;frames count`` lines (py-spy's raw format) as a Counter of stack -> samples."""
    stacks: collections.Counter = collections.Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[stack] += int(count)
    return stacks


def layer_of(stack: str) -> str:
    """The innermost listed layer a sample's stack reached (its cost is charged there)."""
    frames = stack.split(";")
    for frame in reversed(frames):
        for name, markers in LAYERS:
            if any(m in frame for m in markers):
                return name
    return "other (interpreter, imports, threads idle in Python)"


def summarize(stacks: collections.Counter, top: int = 25) -> dict[str, Any]:
    """Samples per layer and the hottest leaf frames (self time)."""
    total = sum(stacks.values()) or 1
    layers: collections.Counter = collections.Counter()
    leaves: collections.Counter = collections.Counter()
    inclusive: collections.Counter = collections.Counter()
    for stack, n in stacks.items():
        layers[layer_of(stack)] += n
        frames = stack.split(";")
        leaves[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    return {
        "total_samples": total,
        "layers": [(k, round(100 * v / total, 1)) for k, v in layers.most_common()],
        "self": [(k, round(100 * v / total, 1)) for k, v in leaves.most_common(top)],
        "inclusive": [(k, round(100 * v / total, 1)) for k, v in inclusive.most_common(top)],
    }


def drive(target: targets.ErrorHub, args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.loadgen == "sdk_load":
        return loadgen_outside.storm(target.dsn, args.events, args.procs, Path(args.sdk_load_path), replay=True)
    return loadgen_replay.storm(target.dsn, uuid.uuid4().hex[:12], args.events, args.procs, args.threads)


def profile(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    target = targets.ErrorHub()
    if args.web_worker_class:
        target.extra_env["ERRORHUB_WEB_WORKER_CLASS"] = args.web_worker_class
    target.start()
    raw = target.data_dir / "web.pyspy.txt"
    try:
        web = target.procs["web"].pid
        spy = subprocess.Popen(
            [
                str(targets.VENV_BIN / "py-spy"),
                "record",
                "--subprocesses",
                "--nonblocking",
                "--rate",
                str(args.rate),
                "--format",
                "raw",
                "-o",
                str(raw),
                "--pid",
                str(web),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(2)  # py-spy attached to every worker
        cpu_before = measure.tree_cpu_seconds([web], measure._children_map())
        sent = drive(target, args)
        cpu = measure.tree_cpu_seconds([web], measure._children_map()) - cpu_before
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=120)
        accepted = sum(int(r["statuses"].get(200, r["statuses"].get("200", 0))) for r in sent)
        first = min(r["first_send"] for r in sent if r["first_send"])
        last = max(r["last_ok"] for r in sent)
        text = raw.read_text()
    finally:
        target.stop()
    figures = {
        "accepted": accepted,
        "accepted_per_s": round(accepted / (last - first), 1) if last > first else 0,
        "web_cpu_ms_per_envelope": round(cpu * 1000 / max(accepted, 1), 3),
        "web_cpu_seconds": round(cpu, 2),
        **summarize(parse_collapsed(text)),
    }
    return figures, text


def report(args: argparse.Namespace, figures: dict[str, Any], when: str) -> str:
    rows = lambda pairs: [f"| `{k}` | {v} |" for k, v in pairs]  # noqa: E731
    return "\n".join(
        [
            f"# Web profile under load, {when}, loadgen `{args.loadgen}`",
            "",
            f"- command: `.venv/bin/python -m bench.storm.profile_web --loadgen {args.loadgen} --events {args.events} "
            f"--procs {args.procs}"
            + (f" --web-worker-class {args.web_worker_class}" if args.web_worker_class else "")
            + "`",
            "- target: the embedded default started as the Procfile starts it (gunicorn as errorhub/gunicorn_conf.py, "
            "SQLite, filesystem broker); py-spy record --subprocesses on the gunicorn master",
            f"- machine: {os.cpu_count()} CPUs shared with other engineers' runs (figures are indicative)",
            "",
            f"**{figures['accepted']} envelopes accepted at {figures['accepted_per_s']}/s; web tree CPU "
            f"{figures['web_cpu_ms_per_envelope']} ms per envelope** ({figures['web_cpu_seconds']} s, /proc), "
            f"{figures['total_samples']} samples.",
            "",
            "| layer (innermost reached) | % of samples |",
            "|---|---|",
            *rows(figures["layers"]),
            "",
            "| hottest frames, self | % |",
            "|---|---|",
            *rows(figures["self"]),
            "",
            "| hottest frames, inclusive | % |",
            "|---|---|",
            *rows(figures["inclusive"]),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loadgen", choices=("sdk_load", "replay"), default="sdk_load")
    parser.add_argument("--sdk-load-path", default=str(loadgen_outside.default_path() or ""))
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per process (replay)")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument(
        "--web-worker-class",
        choices=("gthread", "sync"),
        default="",
        help="gunicorn worker class (default: errorhub/gunicorn_conf.py's)",
    )
    args = parser.parse_args(argv)
    now = dt.datetime.now(dt.UTC)
    figures, raw = profile(args)
    text = report(args, figures, now.strftime("%Y-%m-%d %H:%M UTC"))
    print(text)
    RESULTS.mkdir(exist_ok=True)
    suffix = f"-{args.web_worker_class}" if args.web_worker_class else ""
    stem = RESULTS / f"profile-web-{now.strftime('%Y-%m-%d-%H%M')}-{args.loadgen}{suffix}"
    stem.with_suffix(".md").write_text(text)
    stem.with_suffix(".txt").write_text(raw)


if __name__ == "__main__":
    main()
