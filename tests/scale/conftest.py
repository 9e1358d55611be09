"""The many-node cluster fixture, and the counts it leaves in the run's summary.

Everything is this run's own on the shared services: a scratch PostgreSQL database (created,
migrated as the chart's migrate job does, dropped after), Redis database ``SCALE_REDIS_DB``
(flushed before and after) and an OpenSearch index prefix (deleted after).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.slack_standin import SlackStandIn
from tests.scale.nodes import Cluster, ScratchServices

#: lines the test asks to keep in the run's output (pytest shows a test's prints only on failure)
SUMMARY: list[str] = []

#: Alert rules of the test's project: name -> (triggers, Slack channel, other fields)
RULES: dict[str, tuple[list[str], str, dict[str, int]]] = {
    "new issue": (["new_issue"], "C0NEW", {}),
    "regression": (["regression"], "C0REGRESS", {}),
    "snooze ended": (["snooze_ended"], "C0SNOOZE", {}),
    # one alert per issue when its events in the hour cross 50, then none for 5 minutes
    "busy issue": (["frequency"], "C0BUSY", {"frequency_count": 50, "frequency_seconds": 3600}),
}

_SETUP = """
import json
from django.contrib.auth import get_user_model
from alerts.models import Channel, Rule
from errorhub.accounts.services import api_token_create, project_create
created = project_create(org_name="Scale", name="storm", team_name="scale")
project = created.project
user = get_user_model().objects.create_user("scale-dev", "scale-dev@example.com", "scale-dev-password")
for team in project.teams.all():
    team.members.add(user)
rules = {}
for name, (triggers, slack_channel, extra) in json.loads(%(rules)r).items():
    channel = Channel.objects.create(
        organization=project.organization, name=name, kind="slack", config={"channel": slack_channel}
    )
    rule = Rule.objects.create(
        organization=project.organization, project=project, name=name, triggers=triggers, **extra
    )
    rule.channels.set([channel])
    rules[name] = rule.pk
print(json.dumps({"project_id": project.pk, "public_key": created.key.public_key,
                  "token": api_token_create(user=user, label="scale test"), "rules": rules}))
"""


@dataclass(frozen=True)
class Running:
    """A started cluster, its project and the Slack stand-in its alerts reach."""

    cluster: Cluster
    services: ScratchServices
    slack: SlackStandIn
    project_id: int
    public_key: str
    token: str
    rules: dict[str, int]

    def web_urls(self) -> list[str]:
        return [self.cluster.nodes[name].base_url for name in Cluster.WEBS]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUMMARY:
        terminalreporter.section("many nodes: counts")
        for line in SUMMARY:
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def running_cluster(request: pytest.FixtureRequest) -> Iterator[Running]:
    """Two web nodes, three ingest workers, one alerts worker and one beat on a project with the
    ``RULES``; torn down (processes, namespaces, database, indices, broker) when the module ends."""
    services = ScratchServices(
        database_url=os.environ["ERRORHUB_TEST_DATABASE_URL"],
        redis_url=os.environ["ERRORHUB_TEST_REDIS_URL"],
        opensearch_url=os.environ["ERRORHUB_TEST_OPENSEARCH_URL"],
    )
    slack = SlackStandIn(channels={channel for _, channel, _ in RULES.values()})
    slack_api = slack.start()
    root = Path(tempfile.mkdtemp(prefix="errorhub-scale-"))
    cluster = Cluster(services=services.create(), root=root, slack_api_port=int(slack_api.split(":")[2].split("/")[0]))
    try:
        cluster.connect()
        cluster.plan()
        cluster.manage("migrate", "--noinput", "-v0")
        created = json.loads(cluster.manage("shell", "-c", _SETUP % {"rules": json.dumps(RULES)}).splitlines()[-1])
        cluster.start()
        yield Running(cluster=cluster, services=services, slack=slack, **created)
    finally:
        cluster.stop()
        if request.session.testsfailed:
            print(f"\n{cluster.logs()}")
        services.drop()
        if cluster.links is not None:
            cluster.links.destroy()
        slack.stop()
        if os.environ.get("ERRORHUB_SCALE_KEEP") == "1":  # the nodes' data dirs and logs, for a post-mortem
            print(f"\nnode data dirs and logs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
