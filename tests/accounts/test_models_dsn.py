"""The DSN a project key hands to SDKs: the form every Sentry SDK parses, and
the same key and project id the ingest side reads back from it."""

from __future__ import annotations

import pytest
import sentry_sdk.utils

from errorhub.accounts.models import Project, ProjectKey
from errorhub.accounts.services import project_create, project_key_rotate
from ingest.protocol.sentry_auth import parse_dsn

pytestmark = pytest.mark.django_db


def test_dsn_round_trips_through_the_ingest_parser():
    created = project_create(org_name="Acme", name="Shop")
    dsn = created.key.dsn()
    assert dsn == f"http://{created.key.public_key}@testserver/{created.project.pk}"
    parsed = parse_dsn(dsn)
    assert (parsed.public_key, parsed.project_id, parsed.host) == (
        created.key.public_key,
        created.project.pk,
        "testserver",
    )


def test_sentry_sdk_accepts_the_dsn():
    key = project_create(org_name="Acme", name="Shop").key
    sdk = sentry_sdk.utils.Dsn(key.dsn())
    assert sdk.public_key == key.public_key and sdk.project_id == str(key.project_id)


@pytest.mark.parametrize(
    "base, expected",
    [
        ("https://errors.example.com", "https://{key}@errors.example.com/{pid}"),
        ("https://example.com/errorhub/", "https://{key}@example.com/errorhub/{pid}"),
        ("http://10.0.0.5:8000", "http://{key}@10.0.0.5:8000/{pid}"),
    ],
)
def test_dsn_follows_the_base_url(base, expected):
    key = project_create(org_name="Acme", name="Shop").key
    dsn = key.dsn(base)
    assert dsn == expected.format(key=key.public_key, pid=key.project_id)
    assert parse_dsn(dsn).project_id == key.project_id


def test_public_keys_are_unique_hex():
    project = project_create(org_name="Acme", name="Shop").project
    keys = [ProjectKey.objects.create(project=project) for _ in range(20)]
    assert len({k.public_key for k in keys}) == 20
    assert all(len(k.public_key) == 32 and int(k.public_key, 16) >= 0 for k in keys)


def test_rotation_disables_the_old_key_and_keeps_its_quota():
    key = project_create(org_name="Acme", name="Shop").key
    key.rate_limit_per_minute = 300
    key.save()
    new = project_key_rotate(key=key)
    key.refresh_from_db()
    assert key.is_active is False and new.is_active is True
    assert new.public_key != key.public_key and new.rate_limit_per_minute == 300
    assert project_create(org_name="Acme", name="Shop").key == new, "createproject hands out the active key"


def test_project_slugs_are_unique_within_an_organisation():
    first = project_create(org_name="Acme", name="Shop").project
    assert project_create(org_name="Acme", name="Shop").project == first
    other_org = project_create(org_name="Globex", name="Shop").project
    assert other_org.slug == "shop" and other_org.organization != first.organization
    assert Project.objects.filter(slug="shop").count() == 2
