"""The same/different table: pairs of real-shaped events from ``cases/*.json``."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.protocol.grouping import GROUPING_VERSION, compute_grouping
from tests.ingest.protocol.grouping import load_cases

CASES = load_cases()


def test_table_covers_the_issue_checklist() -> None:
    assert len(CASES) >= 14
    assert {case["expect"] for case in CASES} == {"same", "different"}


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_pair_groups_as_expected(case: dict[str, Any]) -> None:
    a, b = compute_grouping(case["a"]), compute_grouping(case["b"])
    assert a.version == b.version == GROUPING_VERSION
    if case["expect"] == "same":
        assert a.hash == b.hash, _explain(a.components, b.components)
    else:
        assert a.hash != b.hash, f"both grouped by {a.kind}: {a.components}"
    if "kind" in case:
        assert a.kind == b.kind == case["kind"]


def _explain(left: tuple[str, ...], right: tuple[str, ...]) -> str:
    lines = [f"{'=' if x == y else '!'} {x!r:60} {y!r}" for x, y in zip(left, right)]
    if len(left) != len(right):
        lines.append(f"lengths {len(left)} vs {len(right)}")
    return "components differ:\n" + "\n".join(lines)
