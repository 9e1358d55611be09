"""Run by test_first_events_race: one 'worker' process recording a batch of
events of a brand-new fingerprint, starting at an agreed instant."""

from __future__ import annotations

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errorhub.settings")
django.setup()

from errorhub.accounts.models import Project  # noqa: E402
from ingest.processing import process_payloads  # noqa: E402


def main() -> None:
    project_id, start_at, tag = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    payloads = [
        {
            "kind": "store",
            "project_id": project_id,
            "b64": False,
            "received_at": time.time(),
            "client": "race",
            "data": '{"event_id": "%s", "exception": {"values": [{"type": "RaceError", "value": "boom", '
            '"stacktrace": {"frames": [{"module": "app.race", "function": "go", "in_app": true}]}}]}}'
            % f"{tag}{n:08x}".ljust(32, "0")[:32],
        }
        for n in range(20)
    ]
    Project.objects.get(pk=project_id)  # connect before the start line
    time.sleep(max(0.0, start_at - time.time()))
    failures = process_payloads(payloads)
    print("failures", len(failures), [str(e) for _, e in failures][:3])


if __name__ == "__main__":
    main()
