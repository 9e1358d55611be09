"""Measurements around one storm: throughput, drain, idle latency, peak RSS, lost/duplicated."""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections import Counter
from collections.abc import Collection
from typing import Any

import requests

from bench.storm import loadgen_replay


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def _cpu_ticks(pid: int) -> int:
    """utime + stime + reaped children's cutime + cstime of one process, in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return sum(int(v) for v in fields[11:15])
    except (OSError, IndexError, ValueError):
        return 0


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (``/proc/stat``: everything but idle and iowait)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


SERVICE_NAMES = {"postgres": "postgresql", "redis-server": "redis", "java": "search engine (JVM)"}


def services_cpu_seconds() -> dict[str, float]:
    """CPU seconds so far of the shared services' processes, by service (by process name)."""
    totals: dict[str, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                head, _, rest = f.read().rpartition(")")
            name = head.partition("(")[2]
            service = SERVICE_NAMES.get(name)
            if service:
                totals[service] = totals.get(service, 0.0) + sum(int(v) for v in rest.split()[11:15])
        except (OSError, ValueError):
            continue
    return {k: v / os.sysconf("SC_CLK_TCK") for k, v in totals.items()}


def tree_cpu_seconds(roots: list[int], kids: dict[int, list[int]]) -> float:
    """CPU seconds used so far by a process tree (live processes and the children they reaped)."""
    return sum(_cpu_ticks(pid) for pid in tree_pids(roots, kids)) / os.sysconf("SC_CLK_TCK")


def _pss_kib(pid: int) -> int:
    """Proportional set size: shared pages (forked children, libraries) split between
    their users, so a process tree's sum is the memory it really holds."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pids(roots: list[int], kids: dict[int, list[int]]) -> list[int]:
    """The roots and all their descendants (``kids``: from ``_children_map``)."""
    found: list[int] = []
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        pid = stack.pop()
        if pid not in seen:
            seen.add(pid)
            found.append(pid)
            stack.extend(kids.get(pid, []))
    return found


def tree_rss_kib(roots: list[int], kids: dict[int, list[int]]) -> int:
    return sum(_rss_kib(pid) for pid in tree_pids(roots, kids))


class Sampler(threading.Thread):
    """Polls the target's processed count and the RSS of each role's process tree."""

    def __init__(self, target: Any, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.target, self.every = target, every
        self.counts: list[tuple[float, int]] = []
        self.peak: dict[str, int] = {}
        self.peak_total = 0
        self.peak_pss: dict[str, int] = {}
        self.peak_pss_total = 0
        self._ticks = 0
        self.cpu: dict[str, float] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.every)

    def sample(self) -> None:
        try:
            self.counts.append((time.time(), self.target.processed()))
        except Exception:  # the table may be locked or not yet visible: try again next tick
            pass
        kids = _children_map()
        total = 0
        self._ticks += 1
        if self._ticks % 4 == 1:  # PSS costs the kernel a page-table walk: once a second is enough
            pss_total = 0
            for role, roots in self.target.roots().items():
                pss = sum(_pss_kib(pid) for pid in tree_pids(roots, kids))
                self.peak_pss[role] = max(self.peak_pss.get(role, 0), pss)
                pss_total += pss
            self.peak_pss_total = max(self.peak_pss_total, pss_total)
        for role, roots in self.target.roots().items():
            rss = tree_rss_kib(roots, kids)
            self.cpu[role] = max(self.cpu.get(role, 0.0), tree_cpu_seconds(roots, kids))
            self.peak[role] = max(self.peak.get(role, 0), rss)
            total += rss
        self.peak_total = max(self.peak_total, total)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def last(self) -> int:
        return self.counts[-1][1] if self.counts else 0

    def reached(self, count: int) -> float | None:
        """When the processed count first reached ``count``."""
        return next((t for t, c in self.counts if c >= count), None)


def wait_drained(sampler: Sampler, expected: int, baseline: int, stall: float, limit: float) -> None:
    """Until ``expected`` new events are processed, or no progress for ``stall`` s, or ``limit`` s pass."""
    deadline, last_change, last = time.time() + limit, time.time(), -1
    while time.time() < deadline:
        now = sampler.last() - baseline
        if now >= expected:
            return
        if now != last:
            last, last_change = now, time.time()
        elif time.time() - last_change > stall:
            return
        time.sleep(0.25)


def summarize_storm(results: list[dict[str, Any]], sampler: Sampler, baseline: int, events: int) -> dict[str, Any]:
    first = min(r["first_send"] for r in results if r["first_send"]) if any(r["first_send"] for r in results) else 0
    last_ok = max(r["last_ok"] for r in results)
    statuses: Counter = Counter()
    for r in results:
        statuses.update({int(k): v for k, v in r["statuses"].items()})
    accepted = statuses.get(200, 0)
    processed = sampler.last() - baseline
    done_at = sampler.reached(baseline + processed) or time.time()
    return {
        "events": events,
        "http_statuses": dict(sorted(statuses.items())),
        "transport_errors": sum(r.get("errors", 0) for r in results),
        "transport_error_kinds": dict(sum((Counter(r.get("error_kinds", {})) for r in results), Counter())),
        "accepted": accepted,
        "accept_seconds": round(last_ok - first, 3) if first and last_ok else None,
        "accepted_per_s": round(accepted / (last_ok - first), 1) if first and last_ok > first else 0.0,
        "processed": processed,
        "process_seconds": round(done_at - first, 3) if first else None,
        "processed_per_s": round(processed / (done_at - first), 1) if first and done_at > first else 0.0,
    }


def lost_duplicated(
    target: Any, run_id: str, events: int, refused: Collection[int] = (), unanswered: Collection[int] = ()
) -> dict[str, int]:
    """Lost: accepted (answered 200) but never stored. An event the server refused
    (any other answer: the client's to drop or resend) must not be stored either —
    ``stored_refused`` counts those; one it never answered may go either way."""
    seqs = Counter(target.stored_seqs(run_id))
    refused, unanswered = set(refused), set(unanswered)
    return {
        "stored_distinct": len(seqs),
        "lost": sum(1 for s in range(events) if s not in seqs and s not in refused and s not in unanswered),
        "duplicated": sum(c - 1 for c in seqs.values() if c > 1),
        "stored_refused": sum(1 for s in refused if s in seqs),
    }


def idle_latency(target: Any, run_id: str, samples: int = 20, timeout: float = 30.0) -> dict[str, Any]:
    """Send one real envelope at a time and poll storage until it is there (capture -> stored)."""
    url, key, _ = loadgen_replay.parse_dsn(target.dsn)
    headers = {
        "Content-Type": "application/x-sentry-envelope",
        "X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7, sentry_client=bench-latency/1.0",
    }
    pool = loadgen_replay.templates()
    session = requests.Session()
    seen: list[float] = []
    missing = 0
    for n in range(samples):
        event_id, body = loadgen_replay.build(pool[n % len(pool)], target.dsn, run_id + "-idle", n)
        began = time.perf_counter()
        if session.post(url, data=body, headers=headers, timeout=30).status_code != 200:
            missing += 1
            continue
        while time.perf_counter() - began < timeout:
            if target.is_stored(event_id):
                seen.append((time.perf_counter() - began) * 1000)
                break
            time.sleep(0.005)
        else:
            missing += 1
            if missing >= 2:  # the pipeline is stuck (e.g. a dead worker): do not wait out every sample
                break
        time.sleep(0.2)
    if not seen:
        return {"samples": 0, "missing": missing}
    ordered = sorted(seen)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)  # noqa: E731
    return {
        "samples": len(seen),
        "missing": missing,
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": pick(0.95),
        "max_ms": round(ordered[-1], 1),
    }
