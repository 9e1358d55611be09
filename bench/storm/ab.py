"""A/B storm: the same storm against two (or more) source trees, rounds interleaved.

    git worktree add /tmp/storm-a <commit before the change>
    .venv/bin/python -m bench.storm.run --tree A=/tmp/storm-a --tree B=. --rounds 3 \
        --targets errorhub-embedded,errorhub-prod --events 5000 --procs 4 --loadgen replay

Round 1 runs every target on tree A, then on tree B; round 2 again A then B, and so on:
noise on a shared machine (another process's burst, a warm page cache) then falls on
both trees instead of on whichever ran last. The first tree is the baseline: every
other tree's figures are divided by its figures *of the same round* (the nearest run
in time), and the spread of those per-round ratios is reported beside each tree's own
round-to-round spread, which is the noise the ratio has to beat.

Pure functions of the rows ``run.run_target`` returns (no processes here), so the
arithmetic can be tested alone.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: (row key, heading, higher is better) of the figures compared across trees.
METRICS = (
    ("accepted_per_s", "accepted/s", True),
    ("processed_per_s", "processed/s", True),
    ("peak_pss_total_mib", "peak PSS (MiB)", False),
)


def parse_tree(value: str) -> tuple[str, Path]:
    """``LABEL=PATH`` from the command line: a label for the report and a source tree with ``manage.py``."""
    label, sep, path = value.partition("=")
    if not sep or not label.strip() or not path.strip():
        raise ValueError(f"--tree wants LABEL=PATH, got {value!r}")
    tree = Path(path.strip()).expanduser().resolve()
    if not (tree / "manage.py").is_file():
        raise ValueError(f"--tree {label.strip()}: {tree} is not an ErrorHub source tree (no manage.py)")
    return label.strip(), tree


def _value(rows: list[dict[str, Any]], target: str, label: str, round_no: int, key: str) -> float | None:
    """The figure of one run, or None when that run failed or measured nothing."""
    for row in rows:
        if (row["target"], row["tree"], row["round"]) == (target, label, round_no) and "error" not in row:
            value = row.get(key)
            return float(value) if value else None
    return None


def _spread(values: list[float]) -> float | None:
    """A tree's own round-to-round spread: max/min - 1 (0.08 = the best run 8 % above the worst)."""
    return max(values) / min(values) - 1 if len(values) > 1 and min(values) > 0 else None


@dataclass
class Comparison:
    """One figure of one target: tree ``label`` against the baseline, round by round."""

    target: str
    metric: str
    heading: str
    higher_is_better: bool
    baseline: str
    label: str
    base_values: list[float]
    values: list[float]
    ratios: list[float]  # label / baseline, per round where both ran

    @property
    def median(self) -> float | None:
        return statistics.median(self.ratios) if self.ratios else None

    @property
    def noise(self) -> float | None:
        """The larger of the two trees' own spreads: a ratio inside 1 ± noise is no change."""
        spreads = [s for s in (_spread(self.base_values), _spread(self.values)) if s is not None]
        return max(spreads) if spreads else None

    def verdict(self) -> str:
        """``within noise``, ``better`` or ``worse`` (beyond the noise), from the median ratio."""
        if self.median is None:
            return "no paired rounds"
        if self.noise is None:
            return "one round: no noise estimate"
        if abs(self.median - 1) <= self.noise:
            return "within noise"
        return "better" if (self.median > 1) == self.higher_is_better else "worse"


def compare(rows: list[dict[str, Any]], labels: list[str], targets: list[str], rounds: int) -> list[Comparison]:
    """Every non-baseline tree against the first one, per target and figure."""
    baseline, found = labels[0], []
    for target in targets:
        for label in labels[1:]:
            for key, heading, higher in METRICS:
                base = [_value(rows, target, baseline, r, key) for r in range(1, rounds + 1)]
                other = [_value(rows, target, label, r, key) for r in range(1, rounds + 1)]
                ratios = [o / b for b, o in zip(base, other) if b and o]
                found.append(
                    Comparison(
                        target,
                        key,
                        heading,
                        higher,
                        baseline,
                        label,
                        [b for b in base if b],
                        [o for o in other if o],
                        ratios,
                    )
                )
    return found


def _fmt(values: list[float]) -> str:
    return " / ".join(f"{v:g}" for v in values) or "-"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"±{value * 100:.0f} %"


def report(meta: dict[str, Any], rows: list[dict[str, Any]], comparisons: list[Comparison]) -> str:
    """The result page: how it was run, every run's figures, then the ratios and their spread."""
    trees = [f"- tree **{label}**: `{info['path']}` at {info['commit']}" for label, info in meta["trees"].items()]
    runs = [
        "| round | tree | target | accepted/s | processed/s | idle p50 (ms) | peak PSS (MiB) | HTTP statuses "
        "| lost | duplicated |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "error" in r:
            runs.append(f"| {r['round']} | {r['tree']} | {r['target']} | failed: {r['error']} | | | | | | |")
            continue
        runs.append(
            f"| {r['round']} | {r['tree']} | {r['target']} | {r['accepted_per_s']} | {r['processed_per_s']} "
            f"| {r.get('latency', {}).get('p50_ms')} | {r.get('peak_pss_total_mib')} | {r['http_statuses']} "
            f"| {r['lost']} | {r['duplicated']} |"
        )
    ratios = [
        "| target | figure | "
        + " | ".join(
            (
                "baseline per round",
                "other per round",
                "ratio per round",
                "median ratio",
                "noise (own spread)",
                "verdict",
            )
        )
        + " |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in comparisons:
        ratios.append(
            f"| {c.target} | {c.heading} ({c.label}/{c.baseline}) | {c.baseline}: {_fmt(c.base_values)} "
            f"| {c.label}: {_fmt(c.values)} | {_fmt([round(x, 3) for x in c.ratios])} "
            f"| {'n/a' if c.median is None else f'{c.median:.3f}'} | {_pct(c.noise)} | {c.verdict()} |"
        )
    notes = [f"- round {r['round']}, {r['tree']}, {r['target']}: {n}" for r in rows for n in r.get("notes", [])]
    machine = meta["machine"]
    return "\n".join(
        [
            f"# Storm A/B, {meta['date']}",
            "",
            f"- command: `{meta['command']}`",
            f"- machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['mem_mib']} MiB, "
            f"Python {machine['python']}",
            *trees,
            f"- load: {meta['events']} events per run, {meta['procs']} processes, loadgen `{meta['loadgen']}`, "
            f"{meta['rounds']} rounds, order per round: {', '.join(meta['trees'])}",
            "",
            "Every run:",
            "",
            *runs,
            "",
            f"Each tree against the baseline ({comparisons[0].baseline if comparisons else '-'}), paired by round. "
            "Verdict from the median ratio: within noise when it is inside 1 ± the larger of the two trees' own "
            "round-to-round spread (max/min - 1); accepted/s and processed/s higher is better, PSS lower is better.",
            "",
            *ratios,
            "",
            *(["Notes:", *notes, ""] if notes else []),
            "accepted/s: first send to last HTTP 200. processed/s: first send to the last event stored and grouped "
            "(polled from the target's database every 0.25 s). Idle p50: one envelope at a time, POST to visible in "
            "the database.",
            "",
        ]
    )
