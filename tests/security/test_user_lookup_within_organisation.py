"""Users are found only inside the issue's organisation, everywhere a user is named: the API's
``assignedTo`` and ``statusDetails.assignee`` (one issue and bulk), the dashboard's assign,
acknowledge and bulk forms, and Slack actions. A user of another organisation answers exactly like
an unknown name, and no answer shows the e-mail of anyone outside the organisation."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from errorhub.accounts.models import Project
from errorhub.issues.models import Activity, Comment, Issue
from errorhub.issues.services import issue_assign
from tests.alerts.conftest import slack  # noqa: F401  (the Slack stand-in fixture)
from tests.alerts.slack_requests import button, command
from tests.factories import OrganizationFactory, ProjectFactory, TeamFactory, UserFactory
from tests.issues.events import issue_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

OLIVIA_EMAIL = "olivia@example.com"  # world.owner: a member of Acme only


@dataclass
class Globex:
    project: Project
    bob: object  # a member of Globex only
    issue: Issue


@pytest.fixture
def globex(world) -> Globex:
    org = OrganizationFactory(slug="globex", name="Globex")
    team = TeamFactory(organization=org, slug="g")
    bob = UserFactory(username="bob", email="bob@globex.example")
    team.members.add(bob)
    project = ProjectFactory(organization=org, slug="portal", name="Portal")
    project.teams.add(team)
    return Globex(project=project, bob=bob, issue=issue_of(project, "globex-crash"))


def _put(api, issue: Issue, body: dict):
    return api.put(f"/api/0/issues/{issue.pk}/", body, format="json")


def _refused_like_unknown(response, unknown_response, name: str, unknown: str) -> None:
    assert response.status_code == 400 and unknown_response.status_code == 400
    assert response.json()["detail"] == unknown_response.json()["detail"].replace(unknown, name)
    assert OLIVIA_EMAIL not in response.content.decode().replace(name, "")  # only the caller's own words echo


@pytest.mark.parametrize("name", ["olivia", OLIVIA_EMAIL, OLIVIA_EMAIL.upper()])
def test_api_assigned_to_a_user_of_another_organisation_is_the_unknown_user_400(world, globex, name):
    api = world.api(globex.bob)
    unknown = _put(api, globex.issue, {"assignedTo": "nobody-at-all"})
    _refused_like_unknown(_put(api, globex.issue, {"assignedTo": name}), unknown, name, "nobody-at-all")
    ack = _put(api, globex.issue, {"status": "acknowledged", "statusDetails": {"assignee": name}})
    _refused_like_unknown(ack, unknown, name, "nobody-at-all")
    bulk = api.put(f"/api/0/projects/globex/portal/issues/?id={globex.issue.pk}", {"assignedTo": name}, format="json")
    _refused_like_unknown(bulk, unknown, name, "nobody-at-all")
    globex.issue.refresh_from_db()
    assert globex.issue.assignee is None and globex.issue.lifecycle == "new"


def test_api_assigns_a_member_by_username_or_email_and_shows_their_email(world, globex):
    colleague = UserFactory(username="carol", email="Carol@Globex.example")
    globex.project.teams.first().members.add(colleague)
    api = world.api(globex.bob)
    body = _put(api, globex.issue, {"assignedTo": "carol@globex.example"}).json()
    assert body["assignedTo"]["name"] == "carol" and body["assignedTo"]["email"] == "Carol@Globex.example"
    body = _put(api, globex.issue, {"status": "acknowledged", "statusDetails": {"assignee": "bob"}}).json()
    assert body["assignedTo"]["name"] == "bob"


def test_api_non_string_assignee_is_400(world, globex):
    response = _put(
        world.api(globex.bob), globex.issue, {"status": "acknowledged", "statusDetails": {"assignee": {"id": 1}}}
    )
    assert response.status_code == 400 and "string" in response.json()["detail"]


def test_an_assignee_or_commenter_outside_the_organisation_is_shown_without_email(world, globex):
    """Left over from before the fix (or a member who left): the name stays, the address does not show."""
    issue_assign(issue=globex.issue, user=None, assignee=world.owner)
    Comment.objects.create(issue=globex.issue, user=world.owner, text="from elsewhere")
    api = world.api(globex.bob)
    body = api.get(f"/api/0/issues/{globex.issue.pk}/").json()
    assert body["assignedTo"] == {"id": str(world.owner.pk), "type": "user", "name": "olivia", "email": None}
    listed = api.get("/api/0/organizations/globex/issues/?query=").content.decode()
    comments = api.get(f"/api/0/issues/{globex.issue.pk}/comments/").json()
    assert comments[0]["user"]["email"] is None
    assert OLIVIA_EMAIL not in listed and "olivia" in listed


@pytest.mark.parametrize("action", ["assign", "acknowledge"])
def test_dashboard_assign_to_another_organisations_user_is_the_unknown_user_400(world, globex, action):
    client = Client()
    client.force_login(globex.bob)
    unknown = client.post(f"/issues/{globex.issue.pk}/{action}/", {"assignee": "nobody-at-all"})
    foreign = client.post(f"/issues/{globex.issue.pk}/{action}/", {"assignee": "olivia"})
    assert unknown.status_code == foreign.status_code == 400
    assert b"no user called &#x27;olivia&#x27; in this organisation" in foreign.content
    assert b"no user called &#x27;nobody-at-all&#x27; in this organisation" in unknown.content
    assert OLIVIA_EMAIL.encode() not in foreign.content
    assert client.post(f"/issues/{globex.issue.pk}/{action}/", {"assignee": "bob"}).status_code == 302
    globex.issue.refresh_from_db()
    assert globex.issue.assignee == globex.bob


def test_dashboard_bulk_assign_needs_a_member_of_every_selected_issues_organisation(world, globex):
    client = Client()
    client.force_login(globex.bob)
    foreign = client.post("/inbox/bulk/", {"action": "assign", "issues": [globex.issue.pk], "assignee": "olivia"})
    assert foreign.status_code == 400 and b"no user called &#x27;olivia&#x27; in this organisation" in foreign.content
    assert OLIVIA_EMAIL.encode() not in foreign.content
    globex.issue.refresh_from_db()
    assert globex.issue.assignee is None
    assert (
        client.post("/inbox/bulk/", {"action": "assign", "issues": [globex.issue.pk], "assignee": "bob"}).status_code
        == 302
    )
    globex.issue.refresh_from_db()
    assert globex.issue.assignee == globex.bob


def test_slack_user_acts_only_as_a_member_of_the_issues_organisation(client, slack, world, globex):
    slack.users["U0BOB"] = "bob@globex.example"
    acme_issue = issue_of(world.project, "acme-crash")
    assert "no issue" in button(client, "U0BOB", "issue_ack", str(acme_issue.pk)).json()["text"]
    assert "no issue" in button(client, "U0OLIVIA", "issue_ack", str(globex.issue.pk)).json()["text"]
    assert "no issue" in command(client, "U0OLIVIA", f"resolve {globex.issue.short_code}").json()["text"]
    globex.issue.refresh_from_db()
    acme_issue.refresh_from_db()
    assert globex.issue.lifecycle == acme_issue.lifecycle == "new"

    assert "acknowledged" in button(client, "U0BOB", "issue_ack", str(globex.issue.pk)).json()["text"]
    globex.issue.refresh_from_db()
    assert globex.issue.assignee == globex.bob
    assert Activity.objects.get(issue=globex.issue, kind="acknowledged").actor == "slack:U0BOB"


def test_slack_email_shared_by_two_accounts_acts_as_the_one_in_the_issues_organisation(client, slack, world, globex):
    twin = UserFactory(username="olivia-at-globex", email=OLIVIA_EMAIL.upper())
    globex.project.teams.first().members.add(twin)
    assert "acknowledged" in button(client, "U0OLIVIA", "issue_ack", str(globex.issue.pk)).json()["text"]
    globex.issue.refresh_from_db()
    assert globex.issue.assignee == twin


def test_slack_superuser_outside_the_organisation_cannot_act(client, slack, world, globex):
    root = UserFactory(username="root", email="root@example.com", is_superuser=True, is_staff=True)
    slack.users["U0ROOT"] = root.email
    assert "no issue" in button(client, "U0ROOT", "issue_resolve", str(globex.issue.pk)).json()["text"]
    globex.issue.refresh_from_db()
    assert globex.issue.lifecycle == "new"
