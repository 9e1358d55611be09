"""Chunks uploaded but never assembled (a CI job killed mid-upload) are deleted by the beat task
once they are over a day old; younger chunks, which an upload may still assemble, stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from errorhub.artifacts.models import FileChunk
from errorhub.artifacts.tasks import delete_stale_chunks
from tests.factories import FileChunkFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_chunks_older_than_a_day_are_deleted_younger_ones_stay():
    with time_machine.travel(START, tick=False) as clock:
        abandoned = FileChunkFactory()
        clock.shift(timedelta(hours=20))
        recent = FileChunkFactory(organization=abandoned.organization)

        clock.shift(timedelta(hours=3, minutes=59))
        assert delete_stale_chunks() == 0, "a chunk of 23:59 hours may still be assembled"

        clock.shift(timedelta(minutes=2))
        assert delete_stale_chunks() == 1
        assert list(FileChunk.objects.values_list("pk", flat=True)) == [recent.pk]

        clock.shift(timedelta(days=1))
        assert delete_stale_chunks() == 1
        assert not FileChunk.objects.exists()
