"""A payload that keeps failing is dead-lettered with its error, and the
``deadletters`` command lists, replays and discards it."""

from __future__ import annotations

import io
import json
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from errorhub.accounts.models import Project
from errorhub.issues.models import Issue
from ingest.models import DeadLetter
from ingest.tasks import process_payload
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]
MISSING_PROJECT = 987654


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("deadletters", *args, stdout=out)
    return out.getvalue()


def store_payload(project_id: int) -> dict:
    body = {"event_id": "a" * 32, "message": "replayed later", "level": "error", "platform": "python"}
    return {
        "kind": "store",
        "project_id": project_id,
        "data": json.dumps(body),
        "b64": False,
        "received_at": time.time(),
        "client": "tests/1.0",
        "event_id": "a" * 32,
    }


@pytest.fixture
def eager_retries(settings):
    """Let eager tasks run their retries inline, as a worker would run them later.

    With CELERY_TASK_EAGER_PROPAGATES=True (settings.py) Celery re-raises
    ``Retry`` out of ``apply_async`` instead of applying the retry, so the
    retry-then-dead-letter path never runs eagerly (reported). Celery reads the
    Django setting at call time, so the ``settings`` fixture switches it.
    """
    settings.CELERY_TASK_EAGER_PROPAGATES = False


@pytest.fixture
def dead_letter(settings, eager_retries) -> DeadLetter:
    """Processing for a project that does not exist fails every attempt."""
    settings.INGEST_TASK_MAX_RETRIES = 1
    process_payload.apply_async((store_payload(MISSING_PROJECT),), queue="ingest")
    return DeadLetter.objects.get()


def test_failing_payload_is_dead_lettered(dead_letter):
    assert dead_letter.task == "ingest.tasks.process_payload"
    assert dead_letter.project_id == MISSING_PROJECT
    assert dead_letter.error.startswith("DoesNotExist: ")
    assert "Traceback" in dead_letter.traceback and "DoesNotExist" in dead_letter.traceback
    assert dead_letter.attempts == 2  # the first try and one retry
    assert dead_letter.payload["project_id"] == MISSING_PROJECT


def test_list_shows_waiting_dead_letters(dead_letter):
    out = run("list")
    assert f"{dead_letter.pk}\tingest.tasks.process_payload\tproject={MISSING_PROJECT}\tattempts=2" in out
    assert "waiting" in out and "DoesNotExist" in out


def test_replay_processes_the_payload_once_the_cause_is_fixed(dead_letter):
    org = OrganizationFactory(slug="acme")
    Project.objects.create(pk=MISSING_PROJECT, organization=org, slug="late", name="Late")
    assert run("replay", str(dead_letter.pk)).strip() == f"replayed {dead_letter.pk}"
    dead_letter.refresh_from_db()
    assert dead_letter.replayed_at is not None
    assert Issue.objects.get(project_id=MISSING_PROJECT).times_seen == 1
    assert run("list").strip() == "no waiting dead letters"
    with pytest.raises(CommandError, match="already replayed"):
        run("replay", str(dead_letter.pk))


def test_replay_all(dead_letter):
    assert run("replay", "--all").splitlines()[-1] == "1 dead letter(s) replayed"
    # the project still does not exist: the replay fails again into a new dead letter
    assert DeadLetter.objects.filter(replayed_at__isnull=True).count() == 1


def test_replay_needs_an_id_or_all(dead_letter):
    with pytest.raises(CommandError, match="ID or --all"):
        run("replay")


def test_discard_needs_a_reason(dead_letter):
    with pytest.raises(CommandError, match="--reason"):
        run("discard", str(dead_letter.pk))
    with pytest.raises(CommandError, match="--reason"):
        run("discard", str(dead_letter.pk), "--reason", "   ")
    dead_letter.refresh_from_db()
    assert dead_letter.discarded_at is None


def test_discard_with_a_reason(dead_letter):
    out = run("discard", str(dead_letter.pk), "--reason", "project deleted on purpose")
    assert out.strip() == f"discarded {dead_letter.pk}: project deleted on purpose"
    dead_letter.refresh_from_db()
    assert dead_letter.discarded_at is not None and dead_letter.discard_reason == "project deleted on purpose"
    assert "discarded (project deleted on purpose)" in run("list", "--all")
    with pytest.raises(CommandError, match="no dead letter 424242"):
        run("discard", "424242", "--reason", "x")


def test_import_files_moves_file_dead_letters_into_the_table(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    folder = tmp_path / "deadletters"
    folder.mkdir()
    (folder / "1-abc.json").write_text(
        json.dumps(
            {
                "task": "ingest.tasks.process_payload",
                "payload": store_payload(5),
                "error": "OperationalError: down",
                "traceback": "Traceback ...",
                "attempts": 6,
            }
        )
    )
    assert run("import-files").strip() == "imported 1 dead letter file(s)"
    assert not list(folder.iterdir())
    row = DeadLetter.objects.get()
    assert (row.project_id, row.attempts, row.error) == (5, 6, "OperationalError: down")
