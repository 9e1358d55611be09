"""A project's own scrub patterns run on RE2: linear time on attacker-controlled text,
and patterns that need backtracking are refused when the setting is saved."""

from __future__ import annotations

import pytest

from ingest.protocol.scrub import ScrubConfig, scrub_event
from ingest.protocol.user_regex import ENGINE


def test_a_catastrophic_pattern_scrubs_a_hostile_message_and_returns() -> None:
    # under Python's re, (a+)+$ against 5,000 "a"s and a "!" backtracks for longer than the universe
    config = ScrubConfig(extra_patterns=("(a+)+$", r"tok-[0-9]+"))
    event = scrub_event({"message": "a" * 5000 + "! and tok-123"}, config)
    assert ENGINE == "re2"
    assert event["message"].endswith("! and [Filtered]")


@pytest.mark.parametrize("pattern", [r"(?=secret)", r"(x)\1", r"a++"])
def test_patterns_re2_refuses_are_rejected_with_their_reason(pattern: str) -> None:
    with pytest.raises(ValueError, match="invalid scrub pattern .* not a valid regular expression"):
        ScrubConfig(extra_patterns=(pattern,))
