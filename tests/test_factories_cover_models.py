"""Every model of our apps has a factory in ``tests.factories`` that saves a valid row.

A new model without a factory fails here, so tests never fall back to hand-built rows; a
factory that stops matching its model (a new required field, a unique clash on the second
row, a foreign key to a different organisation) fails here before it fails somewhere obscure.
Runs on PostgreSQL and on the embedded SQLite default.
"""

from __future__ import annotations

import inspect

import factory
import pytest
from django.apps import apps
from django.db import models

from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

OUR_APPS = ("accounts", "issues", "events", "monitors", "artifacts", "ingest", "alerts")


def our_models() -> list[type[models.Model]]:
    """The concrete models of our apps (auto-created many-to-many tables are not models to build)."""
    return [model for label in OUR_APPS for model in apps.get_app_config(label).get_models()]


def factory_by_model() -> dict[type[models.Model], type[factory.django.DjangoModelFactory]]:
    found = {}
    for _, candidate in inspect.getmembers(factories, inspect.isclass):
        if issubclass(candidate, factory.django.DjangoModelFactory) and candidate._meta.model is not None:
            found[candidate._meta.model] = candidate
    return found


def test_every_model_of_our_apps_has_a_factory():
    registry = factory_by_model()
    missing = [model._meta.label for model in our_models() if model not in registry]
    assert our_models(), "no models found: are the app labels right?"
    assert missing == []


@pytest.mark.parametrize("model", our_models(), ids=lambda model: model._meta.label)
def test_the_factory_saves_valid_rows_again_and_again(model):
    model_factory = factory_by_model()[model]
    before = model.objects.count()

    first, second = model_factory(), model_factory()

    assert first.pk is not None and second.pk is not None and first.pk != second.pk
    assert model.objects.count() == before + 2
    for row in (first, second):
        row.full_clean()  # every field valid, choices included, unique constraints hold
        assert_parents_exist(model.objects.get(pk=row.pk))


def assert_parents_exist(row: models.Model) -> None:
    """Each foreign key read back from the database points at a saved row."""
    for field in row._meta.concrete_fields:
        if not field.is_relation:
            continue
        target_id = getattr(row, field.attname)
        if target_id is None:
            assert field.null, f"{field} is empty but may not be"
            continue
        assert field.related_model.objects.filter(pk=target_id).exists(), f"{field} points at nothing"


def test_related_rows_share_one_organisation():
    """Rows that must agree do: a delivery's channel, rule and issue belong to one organisation."""
    delivery = factories.DeliveryFactory()
    organization = delivery.issue.project.organization
    assert delivery.channel.organization == organization
    assert delivery.rule.organization == organization
    event = factories.StoredEventFactory()
    assert event.project == event.issue.project
    state = factories.IssueAlertStateFactory()
    assert state.rule.organization == state.issue.project.organization


def test_an_api_token_factory_stores_only_the_hash_of_a_known_token():
    token = factories.ApiTokenFactory(token="ehp_known-secret-value")
    assert token.token_hash == token.hash_token("ehp_known-secret-value")
    assert token.prefix == "ehp_know"
