"""Every real trace of the runtime corpus, in every wrapper, becomes its one right event
when the body is read with no format hint (the pure pipeline, fast; the same corpus goes
through the HTTP door in ``test_runtime_corpus_endpoint``)."""

from __future__ import annotations

import pytest

from ingest.protocol.logs.pipeline import extract
from tests.ingest.protocol.logs.runtime_corpus import WrappedFile, match_traces, wrapped_files

FILES = wrapped_files()


def test_the_corpus_covers_every_wrapper_and_runtime() -> None:
    wrappers = {f.wrapper for f in FILES}
    runtimes = {t.program.split("/")[0] for f in FILES for t in f.traces}
    assert wrappers == {
        "plain",
        "timestamped",
        "docker",
        "cri",
        "journald",
        "syslog5424",
        "syslog3164",
        "interleaved",
        "logprefix",
        "pylogging",
        "compose",
        "pidprefix",
    }
    assert runtimes == {"python", "java", "go", "node", "rust", "ruby", "php", "elixir", "erlang"}


@pytest.mark.parametrize("wrapped", FILES, ids=lambda f: f.name)
def test_each_trace_is_one_right_event(wrapped: WrappedFile) -> None:
    result = extract(wrapped.body, fmt=None, content_type=None, defaults={"project_id": 1})
    report, leftover = match_traces(list(result.events), wrapped.traces)
    assert {program: found for program, found in report.items() if found} == {}
    assert leftover == 0, "exception events that name no trace: a trace was cut or split"
