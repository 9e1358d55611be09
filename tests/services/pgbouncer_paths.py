"""Run by test_pgbouncer_transaction_mode: ErrorHub's query paths, each seven times, in a process whose
DATABASE_URL points at PgBouncer (transaction pooling). Seven: psycopg 3 prepares a statement the fifth time
it runs on a connection, so every path also runs prepared (when the settings allow it).

ingest (the envelope door, tasks eager: processing and grouping in the same process) -> the daily digest's
context -> the dashboard's inbox and release list (``.iterator()``: a server-side cursor unless disabled) ->
the REST API's issue list. Prints ``ok <step>`` per step; any error ends the process non-zero with it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import uuid

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errorhub.settings")
django.setup()

import psycopg  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from alerts.digest import digest_context  # noqa: E402
from errorhub.accounts.models import Project  # noqa: E402
from errorhub.issues.selectors import release_versions  # noqa: E402

ROUNDS = 7


def warm_pool(url: str, n: int = 4) -> None:
    """Open ``n`` transactions at once, so PgBouncer holds ``n`` server connections and hands the
    following transactions to different ones (it is configured round-robin)."""
    barrier = threading.Barrier(n)

    def hold() -> None:
        with psycopg.connect(url) as conn, conn.transaction():
            conn.execute("SELECT 1")
            barrier.wait(timeout=30)

    threads = [threading.Thread(target=hold) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def envelope(project: Project, n: int) -> bytes:
    event_id = uuid.uuid4().hex
    event = {
        "event_id": event_id,
        "platform": "python",
        "release": f"shop@1.{n}.0",
        "exception": {
            "values": [
                {
                    "type": "PoolError",
                    "value": f"through pgbouncer {n}",
                    "stacktrace": {"frames": [{"module": "shop.pool", "function": "go", "in_app": True}]},
                }
            ]
        },
    }
    body = json.dumps(event).encode()
    return b"\n".join(
        [json.dumps({"event_id": event_id}).encode(), json.dumps({"type": "event", "length": len(body)}).encode(), body]
    )


def main() -> None:
    project_id, user_id, public_key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    warm_pool(os.environ["DATABASE_URL"])
    project = Project.objects.get(pk=project_id)
    user = get_user_model().objects.get(pk=user_id)
    client = Client()
    client.force_login(user)
    auth = f"Sentry sentry_key={public_key}, sentry_version=7"
    org = project.organization.slug
    for n in range(ROUNDS):
        response = client.post(
            f"/api/{project_id}/envelope/",
            data=envelope(project, n),
            content_type="application/x-sentry-envelope",
            HTTP_X_SENTRY_AUTH=auth,
        )
        assert response.status_code == 200, (response.status_code, response.content[:300])
    print("ok ingest", flush=True)
    for _ in range(ROUNDS):
        digest_context(user, timezone.now())
    print("ok digest", flush=True)
    for _ in range(ROUNDS):
        assert client.get("/").status_code == 200
        assert len(release_versions(Project.objects.filter(pk=project_id))) == ROUNDS
    print("ok issue list", flush=True)
    for _ in range(ROUNDS):
        response = client.get(f"/api/0/organizations/{org}/issues/")
        assert response.status_code == 200, (response.status_code, response.content[:300])
        assert len(response.json()) == 1, response.json()
    print("ok api", flush=True)


if __name__ == "__main__":
    main()
