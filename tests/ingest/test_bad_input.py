"""Hostile and broken bodies: each is a 4xx whose ``detail`` says what was wrong,
never a 500, and the processing behind the door never crashes (tasks run
eagerly here, so a crash would surface as an exception or a dead letter).

Content-Type decision: the endpoint, not the Content-Type, says what the body
is. SDKs disagree (Node and Rust send none, browsers use ``text/plain`` to
avoid a CORS preflight), so an envelope or a JSON store body is accepted under
any Content-Type.
"""

from __future__ import annotations

import gzip
import uuid
import zlib

import orjson
import pytest

from errorhub.events.models import StoredEvent
from ingest.models import DeadLetter
from tests.budget import cpu_budget
from tests.ingest.helpers import (
    assert_refused,
    envelope,
    event,
    event_envelope,
    post_envelope,
    post_store,
    stored_event,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


@pytest.fixture(autouse=True)
def _no_dead_letters():
    """Whatever the test sent, processing kept nothing as a failure."""
    yield
    assert list(DeadLetter.objects.values("task", "error")) == []


def _gzip_bomb(decompressed: int) -> bytes:
    """``decompressed`` zero bytes, gzipped (about 1000:1), built without holding them."""
    comp, zeros = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS), bytes(1 << 20)
    parts = [comp.compress(zeros) for _ in range(decompressed >> 20)]
    return b"".join(parts) + comp.flush()


def test_malformed_json_store(client, world):
    assert_refused(post_store(client, world, b'{"message": "checkout slow",'), 400, "invalid event")


def test_malformed_json_in_envelope_item(client, world):
    data = envelope(({"type": "event"}, b'{"message": oops}'))
    assert_refused(post_envelope(client, world, data), 400, "item 1")


def test_truncated_envelope_header(client, world):
    assert_refused(post_envelope(client, world, b'{"event_id": "9ec79c33ec99'), 400, "invalid envelope")


def test_item_length_past_the_end(client, world):
    data = b'{}\n{"type": "event", "length": 5000}\n{"message": "short"}\n'
    assert_refused(post_envelope(client, world, data), 400, "item 1")


def test_empty_body(client, world):
    assert_refused(post_envelope(client, world, b""), 400, "empty")
    assert_refused(post_store(client, world, b""), 400)


def test_oversize_event_item_is_413(client, world, settings):
    settings.INGEST_MAX_EVENT_BYTES = 4096
    data = event_envelope(event(message="x" * 10_000))
    assert_refused(post_envelope(client, world, data), 413, "size limit")


def test_oversize_store_body_is_413(client, world, settings):
    settings.INGEST_MAX_EVENT_BYTES = 4096
    assert_refused(post_store(client, world, orjson.dumps(event(message="x" * 10_000))), 413)


@pytest.mark.parametrize("door", ["envelope", "store"])
def test_gzip_bomb_is_413_fast(client, world, door):
    """200 MiB of zeros in ~200 KiB of gzip: refused at the limit, not after inflating it all."""
    bomb = _gzip_bomb(200 << 20)
    post = post_envelope if door == "envelope" else post_store
    with cpu_budget(10.0, "refusing a 200 MiB bomb"):
        response = post(client, world, bomb, HTTP_CONTENT_ENCODING="gzip")
    assert_refused(response, 413, "decompressed body")


def test_corrupt_gzip_is_400(client, world):
    data = gzip.compress(event_envelope())[:-20]
    assert_refused(post_envelope(client, world, data, HTTP_CONTENT_ENCODING="gzip"), 400, "gzip")


def test_unknown_content_encoding_is_415(client, world):
    assert_refused(post_envelope(client, world, event_envelope(), HTTP_CONTENT_ENCODING="lzma"), 415, "lzma")


def test_invalid_utf8_store(client, world):
    assert_refused(post_store(client, world, b'{"message": "caf\xe9 \xff"}'), 400, "invalid event")


def test_invalid_utf8_in_envelope_item(client, world):
    data = envelope(({"type": "event"}, b'{"message": "\xc3\x28 broken"}'))
    assert_refused(post_envelope(client, world, data), 400)


@pytest.mark.parametrize("door", ["envelope", "store"])
def test_json_nested_10000_deep(client, world, door):
    deep = b'{"extra": ' + b'{"a": ' * 10_000 + b"1" + b"}" * 10_000 + b"}"
    if door == "store":
        assert_refused(post_store(client, world, deep), 400, "nested")
    else:
        assert_refused(post_envelope(client, world, envelope(({"type": "event"}, deep))), 400, "nested")


@pytest.mark.parametrize("body", [b"[1, 2, 3]", b'"checkout slow"', b"null", b"42"])
def test_non_object_json(client, world, body):
    assert_refused(post_store(client, world, body), 400, "JSON object")
    assert_refused(post_envelope(client, world, envelope(({"type": "event"}, body))), 400, "JSON object")


def test_non_object_envelope_header(client, world):
    assert_refused(post_envelope(client, world, b'[1]\n{"type": "event"}\n{}\n'), 400, "envelope header")


@pytest.mark.parametrize("door", ["store", "envelope"])
def test_100000_frames_accepted_and_trimmed(client, world, settings, door):
    """A runaway recursion: accepted (an operator raised ERRORHUB_MAX_EVENT_BYTES),
    stored with a bounded stack that says how many frames were left out."""
    settings.INGEST_MAX_EVENT_BYTES = 16 << 20
    frames = [
        {"function": f"recurse_{i % 7}", "filename": "shop/tree.py", "lineno": i % 500 + 1} for i in range(100_000)
    ]
    body = event(
        exception={
            "values": [
                {
                    "type": "RecursionError",
                    "value": "maximum recursion depth exceeded",
                    "stacktrace": {"frames": frames},
                }
            ]
        }
    )
    if door == "store":
        response = post_store(client, world, gzip.compress(orjson.dumps(body)), HTTP_CONTENT_ENCODING="gzip")
    else:
        response = post_envelope(client, world, gzip.compress(event_envelope(body)), HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 200, response.content
    stack = stored_event(world, body["event_id"])["body"]["exception"][-1]["stacktrace"]
    assert 0 < len(stack["frames"]) <= 250
    assert stack["frames_omitted"] == 100_000 - len(stack["frames"])


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/octet-stream", "", "application/x-www-form-urlencoded"]
)
def test_envelope_accepted_under_any_content_type(client, world, content_type):
    body = event()
    response = post_envelope(client, world, event_envelope(body), content_type=content_type)
    assert response.status_code == 200, response.content
    assert response.json()["id"] == body["event_id"]
    assert StoredEvent.objects.filter(event_id=body["event_id"]).exists()


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_store_json_accepted_under_other_content_type(client, world, content_type):
    body = event()
    assert post_store(client, world, orjson.dumps(body), content_type=content_type).status_code == 200
    assert StoredEvent.objects.filter(event_id=body["event_id"]).exists()


def test_valid_item_beside_invalid_one(client, world):
    good = event()
    data = envelope(({"type": "event"}, b'{"broken": '), ({"type": "event"}, good))
    response = post_envelope(client, world, data)
    assert response.status_code == 200, response.content
    assert response.json()["id"] == good["event_id"]
    assert "item 1" in response.json()["dropped"][0]
    assert stored_event(world, good["event_id"])["title"].startswith("ValueError")


def test_bad_event_id_is_refused_or_replaced(client, world):
    """A malformed event_id never reaches storage as-is."""
    body = event(event_id="not-a-uuid")
    response = post_store(client, world, orjson.dumps(body))
    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        stored = response.json()["id"]
        assert len(stored) == 32 and int(stored, 16) >= 0


def test_get_is_405(client, world):
    response = client.get(f"/api/{world.project.pk}/envelope/")
    assert response.status_code == 405 and response.json()["detail"]


def test_random_bytes_never_500(client, world):
    import random

    rng = random.Random(1234)
    for _ in range(50):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
        for post in (post_envelope, post_store):
            response = post(client, world, data)
            assert response.status_code < 500, (data, response.content)
    assert str(uuid.UUID(int=0))  # keep uuid import honest for readers
