"""The real sentry-cli 3.8 (from npm, built by ``scripts/build_clients.sh sentry-tools``) against a
live ErrorHub (gunicorn + a Celery worker): what a CI job or a release hook does with it.

Each command runs with a user token holding only the scopes the CLI documents for it
(``org:read project:read project:releases event:read event:write``), and its output is
checked for what a user reads, then the state through the REST API.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live.conftest import LiveProject, make_live_project
from tests.live.sdk import Api, wait_for

pytestmark = pytest.mark.live
CLI = Path(__file__).resolve().parents[1] / "clients" / "sentry-tools" / "node_modules" / ".bin" / "sentry-cli"
SCOPES = ("org:read", "project:read", "project:releases", "event:read", "event:write")


@dataclass(frozen=True)
class Cli:
    project: LiveProject
    env: dict[str, str]

    def run(self, *args: str, cwd: Path | None = None, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(CLI), *args], env=self.env, cwd=cwd, capture_output=True, text=True, timeout=120)
        print(f"$ sentry-cli {' '.join(args)}  -> {done.returncode}\n{done.stdout}{done.stderr}")  # shown on failure
        if ok:
            assert done.returncode == 0, f"sentry-cli {' '.join(args)}: {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done


@pytest.fixture(scope="module")
def cli(errorhub_server, django_db_blocker, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    from errorhub.accounts.models import Project
    from errorhub.accounts.services import api_token_create

    project = make_live_project("sentry-cli", errorhub_server, django_db_blocker)
    with django_db_blocker.unblock():
        # the "live" team is shared by every live module's project: take this module's member by name
        member = Project.objects.get(pk=project.project_id).teams.first().members.get(username="dev-sentry-cli")
        token = api_token_create(user=member, label="ci", scopes=SCOPES)
    home = tmp_path_factory.mktemp("cli-home")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "SENTRY_URL": project.base_url,
        "SENTRY_AUTH_TOKEN": token,
        "SENTRY_ORG": project.org,
        "SENTRY_PROJECT": project.slug,
        "SENTRY_DSN": project.dsn,
        "SENTRY_LOAD_DOTENV": "0",
        "SENTRY_DISABLE_UPDATE_CHECK": "true",
    }
    return Cli(project=project, env=env)


def _git_repo(where: Path) -> Path:
    """A repository with three commits, for ``set-commits --local``."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Ada",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
    }
    subprocess.run(["git", "init", "-q", "-b", "main", str(where)], check=True, env=env)
    for n in range(3):
        (where / "app.txt").write_text(f"version {n}\n")
        subprocess.run(["git", "-C", str(where), "add", "app.txt"], check=True, env=env)
        subprocess.run(["git", "-C", str(where), "commit", "-q", "-m", f"Change {n}"], check=True, env=env)
    return where


def test_info_shows_the_user_and_the_token_scopes(cli: Cli):
    out = cli.run("info").stdout
    assert f"Sentry Server: {cli.project.base_url}" in out
    assert "Method: Auth Token" in out and "User: dev-sentry-cli@example.com" in out, out
    for scope in SCOPES:
        assert f"- {scope}" in out, out


def test_organizations_and_projects_list(cli: Cli):
    assert cli.project.org in cli.run("organizations", "list").stdout
    out = cli.run("projects", "list").stdout
    row = rf"\| {cli.project.project_id} +\| {cli.project.slug} +\| live +\| {cli.project.slug} +\|"
    assert re.search(row, out), out


def test_a_release_from_new_to_deploy(cli: Cli, tmp_path: Path):
    version = f"shop@1.{uuid.uuid4().hex[:6]}"
    assert f"Created release {version}" in cli.run("releases", "new", version).stdout
    repo = _git_repo(tmp_path / "repo")
    out = cli.run("releases", "set-commits", version, "--local", cwd=repo).stdout
    assert f"Success! Set commits for release {version}" in out, out
    assert f"Finalized release {version}" in cli.run("releases", "finalize", version).stdout
    assert version in cli.run("releases", "list").stdout
    info = cli.run("releases", "info", version).stdout
    assert version in info and "Date created" in info, info
    out = cli.run("deploys", "new", "--release", version, "-e", "production", "-n", "blue").stdout
    assert "Created new deploy blue for 'production'" in out, out
    assert "production" in cli.run("deploys", "list", "--release", version).stdout

    release = Api(cli.project).get(f"organizations/{cli.project.org}/releases/{version}/").json()
    assert release["dateReleased"] and release["commitCount"] == 3 and release["deployCount"] == 1
    assert (
        release["lastCommit"]["message"].strip() == "Change 2" and release["lastDeploy"]["environment"] == "production"
    )


def test_a_release_with_no_events_is_deleted(cli: Cli):
    version = f"shop@0.{uuid.uuid4().hex[:6]}"
    cli.run("releases", "new", version)
    assert f"Deleted release {version}" in cli.run("releases", "delete", version).stdout
    assert Api(cli.project).get(f"organizations/{cli.project.org}/releases/{version}/").status_code == 404


def _issue_titled(cli: Cli, title: str) -> dict:
    return wait_for(
        lambda: next((i for i in Api(cli.project).issues() if title in i["title"]), None),
        timeout=60,
        what=f"issue {title!r}",
    )


def test_send_event_with_a_message_and_a_logfile(cli: Cli, tmp_path: Path):
    log = tmp_path / "deploy.log"
    log.write_text("starting deploy\nmigrations applied\n")
    title = f"deploy failed {uuid.uuid4().hex[:6]}"
    out = cli.run("send-event", "-m", title, "--logfile", str(log), "-t", "stage:migrate").stdout
    assert "Event dispatched" in out, out
    issue = _issue_titled(cli, title)
    event = Api(cli.project).get(f"issues/{issue['id']}/events/latest/").json()
    crumbs = next(e["data"]["values"] for e in event["entries"] if e["type"] == "breadcrumbs")
    assert [c["message"] for c in crumbs] == ["starting deploy", "migrations applied"]
    assert {"key": "stage", "value": "migrate"} in event["tags"] and event["message"] == title


def test_issues_list_resolve_unresolve_and_mute(cli: Cli):
    title = f"flaky job {uuid.uuid4().hex[:6]}"
    cli.run("send-event", "-m", title)
    issue = _issue_titled(cli, title)
    assert issue["shortId"] in cli.run("issues", "list").stdout

    out = cli.run("issues", "resolve", "-i", issue["id"]).stdout
    assert "new status: resolved" in out, out
    assert Api(cli.project).get(f"issues/{issue['shortId']}/").json()["status"] == "resolved"
    cli.run("issues", "unresolve", "-i", issue["id"])
    assert Api(cli.project).get(f"issues/{issue['id']}/").json()["status"] == "unresolved"

    muted = cli.run("issues", "mute", "-i", issue["id"], ok=False)
    assert muted.returncode != 0 and "no permanent ignore" in muted.stderr, muted.stderr
    assert Api(cli.project).get(f"issues/{issue['id']}/").json()["status"] == "unresolved"
