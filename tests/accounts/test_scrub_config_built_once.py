"""A project's scrub config is built once per Project instance and settings (a worker asks
for it per payload, transaction and attachment), and rebuilt when a setting changes."""

from __future__ import annotations

import pytest

from tests.factories import ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_the_same_config_object_until_a_setting_changes():
    project = ProjectFactory(scrub_patterns=r"ORD-\d{6}")
    first = project.scrub_config()
    assert project.scrub_config() is first
    assert first.extra_patterns == (r"ORD-\d{6}",)

    project.scrub_patterns = r"INV-\d{4}"
    changed = project.scrub_config()
    assert changed is not first and changed.extra_patterns == (r"INV-\d{4}",)
    project.scrub_rules = ["password"]
    assert project.scrub_config().rules == frozenset({"password"})
    project.scrub_rules.append("email")  # the JSON list changed in place: still noticed
    assert project.scrub_config().rules == frozenset({"password", "email"})
