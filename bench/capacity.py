"""Capacity model, measured: CPU seconds per event of each component, projected to node counts.

    .venv/bin/python -m bench.capacity --events 4000 --procs 4 [--baseline-seconds 30] [--node-cores 4]

One bounded storm (``bench/storm``) on the production-shaped target ``errorhub-prod`` (gunicorn web,
ingest worker, alerts worker; PostgreSQL, Redis, OpenSearch). CPU is read from ``/proc/<pid>/stat``
(utime + stime) before and after: ErrorHub's own process trees exactly, the shared services by
process name. CPU time per event does not depend on how busy the shared machine is; wall-clock
throughput does, so nothing here is derived from it.

Right after the target starts, everything's idle rate is measured for ``--baseline-seconds`` (ErrorHub's
own trees: heartbeats, beat, polling; the shared services: other users too) and that rate times the storm's
duration is subtracted: on a busy shared machine a storm drains slowly, and fixed per-second costs must not
be charged to its events. PostgreSQL is read from the storm database's own backends; Redis and the search
engine only by process, so what is left for them is an upper bound.

The projection is arithmetic on the measured figures: cores = events/s x CPU s per event /
target utilisation, rounded up to nodes of ``--node-cores``, at least two of each stateless kind
(one may be lost). Writes bench/results/capacity-<date>.md and .json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from bench.storm import loadgen_outside, measure, run, targets

RESULTS = Path(__file__).resolve().parent / "results"
RATES = (100, 1_000, 10_000)
SERVICES = ("postgresql", "redis", "search engine (JVM)")
ENGINE_OWN = "search engine (own indices' time in engine threads, wall)"


def storm_args(ns: argparse.Namespace) -> argparse.Namespace:
    """The ``bench.storm.run`` options of one bounded replay storm (its own defaults otherwise)."""
    return argparse.Namespace(
        events=ns.events,
        procs=ns.procs,
        loadgen="replay",
        threads=ns.threads,
        rate=ns.rate,
        latency_samples=3,
        stall=30.0,
        drain_limit=ns.drain_limit,
        backlog_limit=0,
        sdk_load_path=str(loadgen_outside.default_path() or ""),
        sdk_load_mode="replay",
    )


class OwnServiceShare(threading.Thread):
    """What of the shared services this storm alone used, where that can be told apart.

    PostgreSQL: the backends serving the storm's own database (``storm_<hex>``: the process title
    names it), CPU ticks per pid, the highest seen (a backend's ticks only grow; it may exit before
    the end). The search engine: the storm's indices' own time in indexing, refresh, merge and flush
    (``_stats`` counters: wall time of the engine's threads, waits included, so a cross-check only).
    """

    def __init__(self, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.pg_ticks: dict[int, int] = {}
        self.engine_ms = 0
        self._halt = threading.Event()

    def run(self) -> None:
        rounds = 0
        while not self._halt.is_set():
            self._sample_postgres()
            if rounds % 8 == 0:
                self._sample_engine()
            rounds += 1
            self._halt.wait(self.every)

    def _sample_postgres(self) -> None:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    title = f.read()
                if not title.startswith(b"postgres: ") or b" storm_" not in title:
                    continue
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ticks = int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                continue
            self.pg_ticks[int(entry)] = max(self.pg_ticks.get(int(entry), 0), ticks)

    def _sample_engine(self) -> None:
        url = f"{targets.OPENSEARCH_URL}/storm-*/_stats/indexing,refresh,merge,flush?allow_no_indices=true"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                total = json.load(response)["_all"]["total"]
        except (OSError, KeyError, ValueError):
            return
        spent = (
            total.get("indexing", {}).get("index_time_in_millis", 0)
            + total.get("refresh", {}).get("total_time_in_millis", 0)
            + total.get("merges", {}).get("total_time_in_millis", 0)
            + total.get("flush", {}).get("total_time_in_millis", 0)
        )
        self.engine_ms = max(self.engine_ms, int(spent))

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def pg_seconds(self) -> float:
        return sum(self.pg_ticks.values()) / os.sysconf("SC_CLK_TCK")


def _role_seconds(target: targets.Target) -> dict[str, float]:
    kids = measure._children_map()  # noqa: SLF001 - the storm's own /proc walk
    return {role: measure.tree_cpu_seconds(roots, kids) for role, roots in target.roots().items()}


def idle_rates(target: targets.Target, own: OwnServiceShare, seconds: float) -> dict[str, float]:
    """CPU seconds per second burnt with no storm: the started target's process trees (Celery heartbeats,
    beat, polling), its own PostgreSQL backends, and the shared services (other users included).

    A storm on a busy shared machine drains slowly, and these fixed costs would otherwise be charged to its
    events: they are subtracted, rate x the storm's duration."""
    own._sample_postgres()  # noqa: SLF001 - same class, read now rather than at its next tick
    roles, services, pg = _role_seconds(target), measure.services_cpu_seconds(), own.pg_seconds()
    start = time.monotonic()
    time.sleep(seconds)
    own._sample_postgres()  # noqa: SLF001
    elapsed = time.monotonic() - start
    rates = {k: max(0.0, (v - roles.get(k, 0.0)) / elapsed) for k, v in _role_seconds(target).items()}
    after = measure.services_cpu_seconds()
    rates.update({k: max(0.0, (v - services.get(k, 0.0)) / elapsed) for k, v in after.items()})
    rates["postgresql (storm's backends)"] = max(0.0, (own.pg_seconds() - pg) / elapsed)
    return rates


def measure_idle_after_start(own: OwnServiceShare, seconds: float, into: dict[str, float]) -> None:
    """Have ``bench.storm.run`` measure the idle rates right after it starts the target, before the storm."""
    make = targets.make

    def make_then_idle(name: str, tree: Path | None = None) -> targets.Target:
        target = make(name, tree)
        start = target.start

        def start_then_idle() -> None:
            start()
            into.update(idle_rates(target, own, seconds))

        target.start = start_then_idle  # type: ignore[method-assign]
        return target

    targets.make = make_then_idle


def per_event_ms(row: dict[str, Any], idle: dict[str, float], own: OwnServiceShare) -> dict[str, float]:
    """CPU ms per accepted event of web, worker (ingest + alerts) and each service, idle rate removed;
    PostgreSQL from the storm's own backends."""
    accepted = max(int(row["http_statuses"].get(200, row["http_statuses"].get("200", 0))), 1)
    window = float(row.get("process_seconds") or 0.0)

    def busy(name: str, raw_ms: float) -> float:
        return round(max(0.0, raw_ms - idle.get(name, 0.0) * window * 1000 / accepted), 3)

    roles = {k: busy(k, v) for k, v in row["cpu_ms_per_event"].items() if k not in ("loadgen", "other")}
    out = {"web": roles.get("web", 0.0), "worker": round(sum(v for k, v in roles.items() if k != "web"), 3)}
    for name in SERVICES:
        out[name] = busy(name, row.get("services_cpu_ms_per_event", {}).get(name, 0.0))
    out["postgresql (machine-wide)"] = out["postgresql"]
    out["postgresql"] = busy("postgresql (storm's backends)", own.pg_seconds() * 1000 / accepted)
    out[ENGINE_OWN] = round(own.engine_ms / accepted, 3)
    return out


def nodes(rate: int, ms: float, *, node_cores: int, utilisation: float, minimum: int) -> tuple[float, int]:
    """Cores and nodes for ``rate`` events/s at ``ms`` CPU ms per event."""
    cores = rate * ms / 1000 / utilisation
    return round(cores, 2), max(minimum, math.ceil(cores / node_cores))


def project(ms: dict[str, float], *, node_cores: int, utilisation: float) -> dict[str, dict[str, Any]]:
    """For each rate: cores and nodes per component (two at least of web and worker, one of each service)."""
    table: dict[str, dict[str, Any]] = {}
    for rate in RATES:
        table[str(rate)] = {
            part: nodes(
                rate,
                value,
                node_cores=node_cores,
                utilisation=utilisation,
                minimum=2 if part in ("web", "worker") else 1,
            )
            for part, value in ms.items()
        }
    return table


def report(meta: dict[str, Any], row: dict[str, Any], ms: dict[str, float], table: dict[str, Any]) -> str:
    lines = [
        f"# Capacity model, {meta['date']}",
        "",
        f"- command: `{meta['command']}`",
        f"- machine: {meta['machine']['nproc']} CPUs ({meta['machine'].get('cpu', '?')}), shared with other jobs",
        f"- commit: {meta['machine'].get('commit', '?')}",
        f"- storm: {row.get('accepted')} accepted of {row.get('events')}, lost {row.get('lost')}, "
        f"duplicated {row.get('duplicated')}, {row.get('accepted_per_s')} accepted/s, "
        f"{row.get('processed_per_s')} processed/s (wall clock: NOT used below, the machine is shared)",
        f"- idle CPU subtracted (rate x storm duration; s/s, measured {meta['baseline_seconds']} s after start): "
        + ", ".join(f"{k} {v:.3f}" for k, v in meta["idle"].items()),
        "",
        "## Measured: CPU ms per event",
        "",
        "| web | worker (ingest + alerts) | PostgreSQL (storm's backends) | Redis | search engine (JVM process) |",
        "|---|---|---|---|---|",
        "| " + " | ".join(str(ms[k]) for k in ("web", "worker", *SERVICES)) + " |",
        "",
        f"Cross-checks: PostgreSQL machine-wide (every backend, idle rate removed) {ms['postgresql (machine-wide)']} "
        "ms; "
        f"the storm's indices' own time in the engine's threads (indexing, refresh, merge, flush: wall time "
        f"of those threads, waits included, so not CPU) {ms[ENGINE_OWN]} ms. The JVM process figure includes "
        "other users' requests on the shared node: an upper bound, used below.",
        "",
        f"## Projected: cores (nodes of {meta['node_cores']} cores at {int(meta['utilisation'] * 100)} % target "
        "utilisation)",
        "",
        "| events/s | web | worker | PostgreSQL | Redis | search engine |",
        "|---|---|---|---|---|---|",
    ]
    for rate, parts in table.items():
        cells = [f"{cores} ({count})" for cores, count in (parts[k] for k in ("web", "worker", *SERVICES))]
        lines.append(f"| {int(rate):,} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Projected figures are CPU arithmetic only: they assume the per-event cost stays flat as the load grows, "
        "which holds for web and worker (stateless, shared-nothing) and not for the stores past one node "
        "(see docs/scaling.md for where it breaks first).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rate", type=float, default=0.0, help="total events/s (0 = unbounded)")
    parser.add_argument("--drain-limit", type=float, default=420.0, help="give up draining after this long (s)")
    parser.add_argument("--baseline-seconds", type=float, default=30.0)
    parser.add_argument("--node-cores", type=int, default=4)
    parser.add_argument("--utilisation", type=float, default=0.6)
    ns = parser.parse_args(argv)
    now = dt.datetime.now(dt.UTC)
    idle: dict[str, float] = {}
    own = OwnServiceShare()
    measure_idle_after_start(own, ns.baseline_seconds, idle)
    own.start()
    try:
        row = run.run_target("errorhub-prod", storm_args(ns), uuid.uuid4().hex[:12])
    finally:
        own.stop()
    if "error" in row:
        raise SystemExit(f"storm failed: {row['error']}")
    ms = per_event_ms(row, idle, own)
    table = project(
        {k: ms[k] for k in ("web", "worker", *SERVICES)}, node_cores=ns.node_cores, utilisation=ns.utilisation
    )
    meta = {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([".venv/bin/python -m bench.capacity", *(argv or [])]),
        "machine": run.machine(),
        "baseline_seconds": ns.baseline_seconds,
        "idle": idle,
        "node_cores": ns.node_cores,
        "utilisation": ns.utilisation,
    }
    text = report(meta, row, ms, table)
    print("\n" + text)
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"capacity-{now.strftime('%Y-%m-%d-%H%M')}"
    stem.with_suffix(".md").write_text(text)
    stem.with_suffix(".json").write_text(
        json.dumps({**meta, "storm": row, "cpu_ms_per_event": ms, "projection": table}, indent=2)
    )
    print(f"written {stem}.md and .json")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
