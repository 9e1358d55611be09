"""The one command: storm each target in turn with the same payloads and compare.

    .venv/bin/python -m bench.storm.run --events 5000 --procs 6 \
        [--targets errorhub-embedded,errorhub-prod,bugsink] [--loadgen sdk|replay|sdk_load] [--rate 0]

``--loadgen sdk_load`` drives the targets with the outside generator ``shared/tools/sdk_load.py``
(``--sdk-load-path``; see bench/storm/loadgen_outside.py), so no figure depends on our own generators.

Writes bench/results/storm-<date>.md and .json.

A/B across source trees (``bench/storm/ab.py``), rounds interleaved A, B, A, B ...:

    .venv/bin/python -m bench.storm.run --tree A=/tmp/storm-a --tree B=. --rounds 3 \
        --targets errorhub-embedded[,errorhub-prod] ...

Writes bench/results/storm-ab-<date>.md and .json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from bench.storm import ab, loadgen_outside, loadgen_replay, loadgen_sdk, measure, targets

RESULTS = Path(__file__).resolve().parents[1] / "results"


def tree_commit(tree: Path) -> str:
    """The short commit of a source tree, and whether its working tree differs from it."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=tree, capture_output=True, text=True
    ).stdout.strip()
    dirty = bool(
        subprocess.run(["git", "status", "--porcelain"], cwd=tree, capture_output=True, text=True).stdout.strip()
    )
    return commit + (" (working tree has uncommitted changes)" if dirty else "")


def machine() -> dict[str, Any]:
    model = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
        platform.processor(),
    )
    mem = next((int(line.split()[1]) // 1024 for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "mem_mib": mem,
        "python": platform.python_version(),
        "commit": tree_commit(targets.REPO),
    }


def run_target(name: str, args: argparse.Namespace, run_id: str, tree: Path | None = None) -> dict[str, Any]:
    target = targets.make(name, tree)
    if args.backlog_limit and isinstance(target, targets.ErrorHub):  # drive it past saturation
        target.extra_env["ERRORHUB_BACKLOG_LIMIT"] = str(args.backlog_limit)
    print(f"[{name}] starting in {target.data_dir}", flush=True)
    result: dict[str, Any] = {"target": name}
    try:
        target.start()
        result["notes"] = target.notes
        sampler = measure.Sampler(target)
        baseline = target.processed()
        sampler.sample()
        cpu_before = dict(sampler.cpu)
        busy_before = measure.machine_busy_seconds()
        services_before = measure.services_cpu_seconds()
        loadgen_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        sampler.start()
        print(f"[{name}] storm: {args.events} events, {args.procs} processes, loadgen {args.loadgen}", flush=True)
        sent = send_storm(target, args, run_id)
        accepted = sum(int(r["statuses"].get(200, r["statuses"].get("200", 0))) for r in sent)
        loadgen_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"[{name}] accepted {accepted}; waiting for processing", flush=True)
        measure.wait_drained(sampler, accepted, baseline, stall=args.stall, limit=args.drain_limit)
        sampler.sample()
        sampler.stop()
        busy = measure.machine_busy_seconds() - busy_before
        services_after = measure.services_cpu_seconds()
        result.update(measure.summarize_storm(sent, sampler, baseline, args.events))
        if args.loadgen == "sdk_load":  # untagged events: lost = accepted - stored, duplicates not countable
            result.update(
                stored_distinct=result["processed"],
                lost=max(0, accepted - result["processed"]),
                duplicated="n/a",
                stored_refused="n/a",
            )
            result.setdefault("notes", []).append(
                f"outside generator {args.sdk_load_path} ({args.sdk_load_mode}): its events carry no sequence "
                "tags, so lost = accepted - stored and duplicates are not counted"
            )
        else:
            result.update(
                measure.lost_duplicated(
                    target,
                    run_id,
                    args.events,
                    refused=[seq for r in sent for seq in r.get("refused", ())],
                    unanswered=[seq for r in sent for seq in r.get("unanswered", ())],
                )
            )
        result["429_without_retry_after"] = sum(r.get("no_retry_after", 0) for r in sent)
        refused = sum(len(r.get("refused", ())) for r in sent)
        if refused or args.backlog_limit:
            result.setdefault("notes", []).append(
                f"backlog limit {args.backlog_limit or 'default'}: {refused} refused (non-200), "
                f"{result['stored_refused']} of them stored anyway, {result['429_without_retry_after']} 429s "
                f"without Retry-After, {sum(r.get('errors', 0) for r in sent)} unanswered (timeouts, resets)"
            )
        result["peak_rss_mib"] = {role: round(kib / 1024, 1) for role, kib in sampler.peak.items()}
        result["peak_rss_total_mib"] = round(sampler.peak_total / 1024, 1)
        result["peak_pss_mib"] = {role: round(kib / 1024, 1) for role, kib in sampler.peak_pss.items()}
        result["peak_pss_total_mib"] = round(sampler.peak_pss_total / 1024, 1)
        # where the two cores went: CPU ms per accepted event, per role (the load generator included)
        cpu = {role: sampler.cpu.get(role, 0.0) - cpu_before.get(role, 0.0) for role in sampler.cpu}
        cpu["loadgen"] = (
            loadgen_after.ru_utime + loadgen_after.ru_stime - loadgen_before.ru_utime - loadgen_before.ru_stime
        )
        # the rest of the machine: the target's database, broker and search engine (and any noise)
        cpu["other"] = max(0.0, busy - sum(cpu.values()))
        result["cpu_ms_per_event"] = {role: round(sec * 1000 / max(accepted, 1), 3) for role, sec in cpu.items()}
        result["services_cpu_ms_per_event"] = {
            name: round((sec - services_before.get(name, 0.0)) * 1000 / max(accepted, 1), 3)
            for name, sec in services_after.items()
            if sec - services_before.get(name, 0.0) > 0
        }
        print(f"[{name}] idle latency: {args.latency_samples} events one at a time", flush=True)
        result["latency"] = measure.idle_latency(target, run_id, samples=args.latency_samples)
        died = target.dead_roles()
        if died:
            result.setdefault("notes", []).append(
                f"process(es) exited during the run: {died} (see their logs; kept in {target.data_dir})"
            )
            target.keep = True
    except Exception as exc:  # one broken target must not hide the others' figures
        result["error"] = f"{type(exc).__name__}: {exc}"
        print(f"[{name}] FAILED: {result['error']} (logs in {target.data_dir})", flush=True)
        target.keep = True
    finally:
        target.stop()
    print(f"[{name}] {json.dumps(result)}", flush=True)
    return result


def send_storm(target: targets.Target, args: argparse.Namespace, run_id: str) -> list[dict[str, Any]]:
    """Send the storm with the chosen load generator; return each sender's stats."""
    if args.loadgen == "sdk":
        return loadgen_sdk.storm(target.dsn, run_id, args.events, args.procs)
    if args.loadgen == "sdk_load":
        return loadgen_outside.storm(
            target.dsn, args.events, args.procs, Path(args.sdk_load_path), replay=args.sdk_load_mode == "replay"
        )
    return loadgen_replay.storm(target.dsn, run_id, args.events, args.procs, args.threads, args.rate)


def _ratio(a: float | None, b: float | None, lower_is_better: bool = False) -> str:
    if not a or not b:
        return "n/a"
    return f"{(b / a if lower_is_better else a / b):.2f}x"


def report(meta: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    head = (
        "| target | accepted/s | processed/s | idle latency p50 / p95 (ms) | peak RSS web + worker (MiB) "
        "| peak PSS (MiB) | HTTP statuses | lost | duplicated |\n|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    cpu_rows = [
        "| target | web | worker | load generator | rest of the machine | of which services |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['target']} | failed: {r['error']} | | | | | | | |")
            continue
        lat = r.get("latency", {})
        rss = " + ".join(f"{k} {v}" for k, v in r["peak_rss_mib"].items())
        lines.append(
            f"| {r['target']} | {r['accepted_per_s']} | {r['processed_per_s']} | "
            f"{lat.get('p50_ms')} / {lat.get('p95_ms')} | {r['peak_rss_total_mib']} ({rss}) | "
            f"{r.get('peak_pss_total_mib')} | "
            f"{r['http_statuses']} | {r['lost']} | {r['duplicated']} |"
        )
        services = ", ".join(f"{k} {v}" for k, v in r.get("services_cpu_ms_per_event", {}).items())
        per_role = dict(r.get("cpu_ms_per_event", {}))
        per_role["worker"] = round(sum(v for k, v in per_role.items() if k.startswith("worker")), 3)
        cpu_rows.append(
            f"| {r['target']} | "
            + " | ".join(str(per_role.get(role, "n/a")) for role in ("web", "worker", "loadgen", "other"))
            + f" | {services or '-'} |"
        )
    peer = next((r for r in rows if r["target"] == "bugsink" and "error" not in r), None)
    ratios: list[str] = []
    for r in rows:
        if peer and r["target"].startswith("errorhub") and "error" not in r:
            ratios.append(
                f"| {r['target']} / bugsink | {_ratio(r['accepted_per_s'], peer['accepted_per_s'])} | "
                f"{_ratio(r['processed_per_s'], peer['processed_per_s'])} | "
                f"{_ratio(r['latency'].get('p50_ms'), peer['latency'].get('p50_ms'), True)} | "
                f"{_ratio(r['peak_rss_total_mib'], peer['peak_rss_total_mib'], True)} | "
                f"{_ratio(r.get('peak_pss_total_mib'), peer.get('peak_pss_total_mib'), True)} |"
            )
    notes = [f"- {r['target']}: {n}" for r in rows for n in r.get("notes", [])]
    return "\n".join(
        [
            f"# Storm benchmark, {meta['date']}",
            "",
            f"- command: `{meta['command']}`",
            f"- machine: {meta['machine']['nproc']} CPUs ({meta['machine']['cpu']}), {meta['machine']['mem_mib']} MiB, "
            f"Python {meta['machine']['python']}",
            f"- commit: {meta['machine']['commit']}",
            f"- load: {meta['events']} events, {meta['procs']} processes, loadgen `{meta['loadgen']}`, run id "
            f"`{meta['run_id']}`",
            "",
            *lines,
            "",
            *(
                [
                    "| ratio | accepted/s | processed/s | idle latency (higher = ErrorHub faster) "
                    "| RSS (higher = ErrorHub smaller) | PSS (higher = ErrorHub smaller) |",
                    "|---|---|---|---|---|---|",
                    *ratios,
                    "",
                ]
                if ratios
                else []
            ),
            "CPU ms per accepted event (process trees, storm and drain; the load generator shares the cores):",
            "",
            *cpu_rows,
            "",
            *(["Notes:", *notes, ""] if notes else []),
            "accepted/s: first send to last HTTP 200. processed/s: first send to the last event stored and grouped "
            "(polled from the target's database every 0.25 s). Latency: one envelope at a time at idle, POST to "
            "visible in the database (polled every 5 ms).",
            "",
        ]
    )


def run_ab(
    args: argparse.Namespace, names: list[str], trees: list[tuple[str, Path]], run_id: str
) -> list[dict[str, Any]]:
    """Every target on every tree, ``args.rounds`` times, in the order A, B, A, B ...
    (one round = each tree once), so a noisy minute on the machine hits both."""
    rows = []
    for round_no in range(1, args.rounds + 1):
        for label, tree in trees:
            for name in names:
                print(f"[round {round_no}/{args.rounds}, tree {label}] {name}", flush=True)
                rows.append({**run_target(name, args, run_id, tree), "tree": label, "round": round_no})
    return rows


def write_ab(args: argparse.Namespace, argv: list[str] | None, trees: list[tuple[str, Path]]) -> None:
    """The A/B mode: run, compare against the first tree, write storm-ab-<date>.md and .json."""
    names = [name.strip() for name in args.targets.split(",") if name.strip()]
    if "bugsink" in names:
        raise SystemExit("--tree compares ErrorHub source trees: leave bugsink out of --targets")
    run_id = uuid.uuid4().hex[:12]
    now = dt.datetime.now(dt.UTC)
    meta = {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([".venv/bin/python -m bench.storm.run", *(argv or sys.argv[1:])]),
        "machine": machine(),
        "events": args.events,
        "procs": args.procs,
        "loadgen": args.loadgen,
        "run_id": run_id,
        "rounds": args.rounds,
        "trees": {label: {"path": str(tree), "commit": tree_commit(tree)} for label, tree in trees},
    }
    rows = run_ab(args, names, trees, run_id)
    comparisons = ab.compare(rows, [label for label, _ in trees], names, args.rounds)
    text = ab.report(meta, rows, comparisons)
    print("\n" + text)
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"storm-ab-{now.strftime('%Y-%m-%d-%H%M')}"
    stem.with_suffix(".md").write_text(text)
    summary = [
        {
            "target": c.target,
            "metric": c.metric,
            "tree": c.label,
            "baseline": c.baseline,
            "ratios": c.ratios,
            "median": c.median,
            "noise": c.noise,
            "verdict": c.verdict(),
        }
        for c in comparisons
    ]
    stem.with_suffix(".json").write_text(json.dumps({**meta, "results": rows, "comparisons": summary}, indent=2))
    print(f"written {stem}.md and .json")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--procs", type=int, default=6, choices=range(1, 17), metavar="4..8")
    parser.add_argument("--targets", default="errorhub-embedded,errorhub-prod,bugsink")
    parser.add_argument(
        "--loadgen",
        choices=("sdk", "replay", "sdk_load"),
        default="sdk",
        help="sdk/replay: bench/storm's own generators; sdk_load: the outside shared/tools/sdk_load.py",
    )
    parser.add_argument(
        "--sdk-load-path",
        default=str(loadgen_outside.default_path() or ""),
        help="path of the outside generator sdk_load.py (--loadgen sdk_load)",
    )
    parser.add_argument(
        "--sdk-load-mode",
        choices=("replay", "sdk"),
        default="replay",
        help="sdk_load.py --replay (SDK-built envelopes posted back to back) or the SDK itself",
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per process (replay)")
    parser.add_argument("--rate", type=float, default=0.0, help="total events/s (replay; 0 = unbounded)")
    parser.add_argument("--latency-samples", type=int, default=20)
    parser.add_argument("--stall", type=float, default=30.0, help="give up draining after this long without progress")
    parser.add_argument("--drain-limit", type=float, default=600.0, help="give up draining after this long")
    parser.add_argument(
        "--backlog-limit",
        type=int,
        default=0,
        help="ErrorHub's ERRORHUB_BACKLOG_LIMIT (0 = its default): a small one drives it past "
        "saturation, where it must answer 429 with Retry-After and lose nothing it accepted",
    )
    parser.add_argument(
        "--tree",
        action="append",
        default=[],
        metavar="LABEL=PATH",
        help="A/B mode: a source tree to run the errorhub targets from (repeat; the first is the "
        "baseline), e.g. --tree A=/tmp/storm-a --tree B=.",
    )
    parser.add_argument("--rounds", type=int, default=3, help="A/B mode: rounds, each running every tree once")
    args = parser.parse_args(argv)
    if args.backlog_limit and args.loadgen != "replay":
        parser.error("--backlog-limit needs --loadgen replay (it records which events were refused)")
    if args.loadgen == "sdk_load" and not Path(args.sdk_load_path).is_file():
        parser.error(
            f"--loadgen sdk_load needs the outside generator: {args.sdk_load_path!r} is not a file "
            "(give --sdk-load-path)"
        )
    if args.tree:
        try:
            trees = [ab.parse_tree(value) for value in args.tree]
        except ValueError as exc:
            parser.error(str(exc))
        if len(trees) < 2 or len({label for label, _ in trees}) != len(trees):
            parser.error("A/B mode wants at least two --tree LABEL=PATH with distinct labels")
        if args.rounds < 1:
            parser.error("--rounds must be at least 1")
        write_ab(args, argv, trees)
        return
    run_id = uuid.uuid4().hex[:12]
    now = dt.datetime.now(dt.UTC)
    meta = {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([".venv/bin/python -m bench.storm.run", *(argv or sys.argv[1:])]),
        "machine": machine(),
        "events": args.events,
        "procs": args.procs,
        "loadgen": (
            f"sdk_load ({args.sdk_load_mode}, {args.sdk_load_path})" if args.loadgen == "sdk_load" else args.loadgen
        ),
        "run_id": run_id,
    }
    rows = [run_target(name.strip(), args, run_id) for name in args.targets.split(",") if name.strip()]
    text = report(meta, rows)
    print("\n" + text)
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"storm-{now.strftime('%Y-%m-%d-%H%M')}"
    stem.with_suffix(".md").write_text(text)
    stem.with_suffix(".json").write_text(json.dumps({**meta, "results": rows}, indent=2))
    print(f"written {stem}.md and .json")


if __name__ == "__main__":
    main()
