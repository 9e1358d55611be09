"""DSN keys are cached in process (``ingest.keys``): a change shows within the TTL, and a key
seen within the hour keeps accepting events while the database fails."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from errorhub.accounts.models import ProjectKey
from tests.ingest.helpers import event_envelope
from tests.ingest.test_database_errors_answered import _table_missing
from tests.ingest.test_wsgi_path import call

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def _post(world) -> int:
    status, _, _ = call(
        "POST", f"/api/{world.project.pk}/envelope/", event_envelope(), HTTP_X_SENTRY_AUTH=world.auth_header()
    )
    return status


def test_a_disabled_key_is_refused_once_its_cache_entry_expires(world) -> None:
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        assert _post(world) == 200
        ProjectKey.objects.filter(pk=world.key.pk).update(is_active=False)
        assert _post(world) == 200  # still the cached key: no database read per request
        clock.shift(5.1)
        assert _post(world) == 403


def test_a_key_seen_within_the_hour_keeps_working_while_its_table_cannot_be_read(world) -> None:
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        assert _post(world) == 200
        clock.shift(600)  # long past the 5 s TTL: the lookup goes to the database, which fails
        with _table_missing(ProjectKey):
            assert _post(world) == 200
