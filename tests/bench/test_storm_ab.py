"""The storm A/B arithmetic: per-round pairing, the ratio's spread, and the noise verdict.

The rows are the shape ``bench.storm.run.run_target`` returns (trimmed to the figures
compared), tagged with tree and round as ``run_ab`` tags them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.storm import ab


def _row(
    tree: str, round_no: int, accepted: float, processed: float, pss: float = 200.0, target: str = "errorhub-embedded"
) -> dict:
    return {
        "target": target,
        "tree": tree,
        "round": round_no,
        "accepted_per_s": accepted,
        "processed_per_s": processed,
        "peak_pss_total_mib": pss,
        "http_statuses": {200: 100},
        "lost": 0,
        "duplicated": 0,
        "latency": {"p50_ms": 20.0},
    }


def _by_metric(comparisons: list[ab.Comparison]) -> dict[str, ab.Comparison]:
    return {c.metric: c for c in comparisons}


def test_ratios_pair_each_round_of_b_with_the_same_round_of_a() -> None:
    rows = [_row("A", 1, 500, 400), _row("B", 1, 550, 400), _row("A", 2, 400, 300), _row("B", 2, 400, 330)]

    accepted = _by_metric(ab.compare(rows, ["A", "B"], ["errorhub-embedded"], rounds=2))["accepted_per_s"]

    assert accepted.base_values == [500, 400]
    assert accepted.values == [550, 400]
    assert accepted.ratios == pytest.approx([1.1, 1.0])
    assert accepted.median == pytest.approx(1.05)


def test_a_ratio_inside_the_trees_own_spread_is_within_noise() -> None:
    # A alone varies by 25 % between rounds: B 5 % faster is not a change
    rows = [_row("A", 1, 500, 400), _row("B", 1, 550, 400), _row("A", 2, 400, 400), _row("B", 2, 400, 400)]

    accepted = _by_metric(ab.compare(rows, ["A", "B"], ["errorhub-embedded"], rounds=2))["accepted_per_s"]

    assert accepted.noise == pytest.approx(0.375)  # B: 550/400 - 1, the larger of the two spreads
    assert accepted.verdict() == "within noise"


def test_a_slowdown_beyond_the_noise_is_worse_and_more_memory_is_worse() -> None:
    rows = [
        _row("A", 1, 500, 400, pss=200),
        _row("B", 1, 350, 400, pss=300),
        _row("A", 2, 510, 400, pss=202),
        _row("B", 2, 352, 400, pss=301),
    ]

    found = _by_metric(ab.compare(rows, ["A", "B"], ["errorhub-embedded"], rounds=2))

    assert found["accepted_per_s"].verdict() == "worse"
    assert found["processed_per_s"].verdict() == "within noise"
    assert found["peak_pss_total_mib"].verdict() == "worse"  # lower is better for memory


def test_a_failed_run_drops_its_round_from_the_pairing_and_is_reported() -> None:
    failed = {"target": "errorhub-embedded", "tree": "B", "round": 2, "error": "RuntimeError: worker died"}
    rows = [_row("A", 1, 500, 400), _row("B", 1, 500, 400), _row("A", 2, 480, 380), failed]

    comparisons = ab.compare(rows, ["A", "B"], ["errorhub-embedded"], rounds=2)
    accepted = _by_metric(comparisons)["accepted_per_s"]
    meta = {
        "date": "2026-12-03 17:45 UTC",
        "command": "run --tree A=/a --tree B=/b",
        "events": 100,
        "procs": 2,
        "loadgen": "replay",
        "rounds": 2,
        "machine": {"nproc": 2, "cpu": "test", "mem_mib": 1, "python": "3"},
        "trees": {"A": {"path": "/a", "commit": "aaaaaaa"}, "B": {"path": "/b", "commit": "bbbbbbb"}},
    }
    page = ab.report(meta, rows, comparisons)

    assert accepted.ratios == [1.0]
    assert accepted.noise == pytest.approx(500 / 480 - 1)  # A's two rounds still measure the noise
    assert accepted.verdict() == "within noise"
    assert "| 2 | B | errorhub-embedded | failed: RuntimeError: worker died |" in page
    assert "- tree **A**: `/a` at aaaaaaa" in page


def test_a_tree_must_be_a_label_and_a_source_tree(tmp_path: Path) -> None:
    (tmp_path / "manage.py").write_text("")

    assert ab.parse_tree(f"old={tmp_path}") == ("old", tmp_path.resolve())
    with pytest.raises(ValueError, match="LABEL=PATH"):
        ab.parse_tree(str(tmp_path))
    with pytest.raises(ValueError, match="no manage.py"):
        ab.parse_tree(f"old={tmp_path / 'missing'}")


def test_one_round_gives_a_ratio_but_no_noise_estimate() -> None:
    rows = [_row("A", 1, 500, 400), _row("B", 1, 450, 400)]

    accepted = _by_metric(ab.compare(rows, ["A", "B"], ["errorhub-embedded"], rounds=1))["accepted_per_s"]

    assert accepted.ratios == pytest.approx([0.9])
    assert accepted.verdict() == "one round: no noise estimate"
