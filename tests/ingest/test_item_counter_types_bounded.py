"""Item types a client invents do not add counter rows: unsupported items are counted per
day under their bounded label (a Sentry type by its name, anything else ``unknown_type``)."""

from __future__ import annotations

import pytest

from ingest.models import ItemCounter
from tests.ingest.helpers import envelope, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def test_invented_item_types_share_one_counter_row(client, world):
    for number in range(3):
        data = envelope(({"type": f"x-invented-{number}"}, {"a": number}), ({"type": "profile"}, {"b": number}))
        assert post_envelope(client, world, data).status_code == 200

    rows = {row.item_type: row.count for row in ItemCounter.objects.filter(project=world.project)}
    assert rows == {"unknown_type": 3, "profile": 3}
