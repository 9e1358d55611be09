"""Event text reaches Slack inert: ``<!channel>``, ``<!here>``, ``<@U…>`` and ``<url|label>`` in an
exception value, environment, release or snooze reason are posted escaped, in every message kind
(alert blocks and fallback text, thread replies, updates, incoming webhooks, the snooze modal,
ephemeral answers), and the issue link's label cannot be broken out of."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.conf import settings as django_settings

from alerts.models import Channel
from alerts.rule_services import test_alert_send
from errorhub.issues.models import Issue
from errorhub.issues.services import issue_resolve
from tests.alerts.conftest import make_event, record, rule, slack_channel
from tests.alerts.slack_requests import button, command, snooze_submission

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

HOSTILE_VALUE = "<!channel> <@U0MIKE> <https://evil.example|click here> & a|b> tail"
HOSTILE_ENV = "<!here>"
HOSTILE_RELEASE = "<https://evil.example/r|shop@9>"


def _hostile_event(**overrides: Any) -> dict[str, Any]:
    return make_event(
        environment=HOSTILE_ENV,
        release=HOSTILE_RELEASE,
        exception={"values": [{"type": "ValueError", "value": HOSTILE_VALUE}]},
        **overrides,
    )


def _strings(value: Any) -> list[str]:
    """Every string Slack would render from a call's arguments (text, blocks, fields, modal)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in ("url", "value", "action_id", "block_id") for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _assert_inert(args: Any, *, allowed_mentions: tuple[str, ...] = ()) -> None:
    """Every ``<…>`` control sequence left is one ErrorHub wrote itself: the issue link (with a
    label holding no second ``|``), a date, or a mention configured on the rule."""
    for text in _strings(args):
        for seq in re.findall(r"<([^<>]*)>", text):
            if seq.startswith("!date^") or seq in allowed_mentions:
                continue
            url, _, label = seq.partition("|")
            assert re.fullmatch(re.escape(django_settings.BASE_URL) + r"/issues/\d+/", url), (seq, text)
            assert "|" not in label, (seq, text)
        for raw in ("<!channel>", "<!here>", "<@U0MIKE>", "<https://evil.example"):
            assert raw not in text, text


def _issue(world) -> Issue:
    return Issue.objects.get(pk=next(iter(record(world.project, _hostile_event()).changes)))


def test_alert_blocks_fallback_text_reply_and_update_are_escaped(client, world, slack):
    ch = slack_channel(world.project.organization)
    rule(world.project, ch, triggers=["new_issue", "regression"], min_interval_seconds=0, mention="U0OLIVIA")
    issue = _issue(world)
    [first] = slack.posted()
    _assert_inert(first.args, allowed_mentions=("@U0OLIVIA",))
    shown = json.dumps(first.args)
    escaped = "&lt;!channel&gt; &lt;@U0MIKE&gt; &lt;https://evil.example|click here&gt; &amp; a|b&gt;"
    assert escaped in first.args["text"]
    header = first.args["blocks"][0]["text"]["text"]  # inside the issue link: "|" cannot start a new field
    assert "&lt;https://evil.example\u00a6click here&gt; &amp; a\u00a6b&gt; tail>*" in header
    assert "&lt;!here&gt;" in shown and "&lt;https://evil.example/r|shop@9&gt;" in shown

    Channel.objects.filter(pk=ch.pk).update(next_allowed_at=None)  # past the one-per-second pacing
    snooze_submission(client, "U0OLIVIA", str(issue.pk), "<!channel> wait for <@U0MIKE>", "2")
    [update] = slack.posted("chat.update")
    _assert_inert(update.args)
    assert "&lt;!channel&gt; wait for &lt;@U0MIKE&gt;" in json.dumps(update.args["blocks"])

    issue_resolve(issue=Issue.objects.get(pk=issue.pk), user=world.owner)
    Channel.objects.filter(pk=ch.pk).update(next_allowed_at=None)
    record(world.project, _hostile_event())  # regresses: a thread reply with the event's environment/release
    [reply] = [c for c in slack.posted() if "thread_ts" in c.args]
    _assert_inert(reply.args)
    assert "&lt;!here&gt;" in reply.args["text"] and "&lt;https://evil.example/r|shop@9&gt;" in reply.args["text"]


def test_incoming_webhook_message_is_escaped(world, slack, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True  # the stand-in listens on 127.0.0.1
    ch = Channel.objects.create(
        organization=world.project.organization, name="hook", kind="slack_webhook", config={"url": slack.webhook_url()}
    )
    rule(world.project, ch)
    _issue(world)
    [posted] = slack.posted("incoming-webhook")
    _assert_inert(posted.args)
    assert "&lt;!channel&gt;" in posted.args["text"] and "&lt;!here&gt;" in json.dumps(posted.args["blocks"])


def test_snooze_modal_and_ephemeral_answers_are_escaped(client, world, slack):
    issue = _issue(world)
    assert button(client, "U0OLIVIA", "issue_snooze", str(issue.pk)).status_code == 200
    [opened] = slack.posted("views.open")
    _assert_inert(opened.args)
    assert "&lt;!channel&gt;" in json.dumps(opened.args["view"]["blocks"])

    inbox = command(client, "U0OLIVIA", "inbox").json()["text"]
    _assert_inert(inbox)
    assert "&lt;!channel&gt; &lt;@U0MIKE&gt;" in inbox

    refused = command(client, "U0OLIVIA", "resolve <!channel>|<https://evil.example>").json()["text"]
    _assert_inert(refused)
    assert "no issue &lt;!channel&gt;" in refused
    refused = button(client, "U0OLIVIA", "issue_ack", "<!here>").json()["text"]
    _assert_inert(refused)
    assert "&lt;!here&gt;" in refused


BARE_LINKS = "see https://evil.example/x and #general, ask @channel or @mike"


def _mrkdwn_objects(value: Any) -> list[dict[str, Any]]:
    """Every mrkdwn text object in a call's blocks or view."""
    if isinstance(value, dict):
        own = [value] if value.get("type") == "mrkdwn" else []
        return own + [o for v in value.values() for o in _mrkdwn_objects(v)]
    if isinstance(value, list):
        return [o for v in value for o in _mrkdwn_objects(v)]
    return []


def _assert_verbatim(blocks: Any) -> None:
    objects = _mrkdwn_objects(blocks)
    assert objects and all(o.get("verbatim") is True for o in objects), objects


def _assert_not_unfurled(args: dict[str, Any]) -> None:
    assert args.get("unfurl_links") is False and args.get("unfurl_media") is False, args


def test_event_text_is_verbatim_and_never_unfurled(client, world, slack, settings):
    """Bare URLs, ``#channel`` and ``@name`` in event text are not auto-linked (``verbatim`` on
    every mrkdwn object; text-only messages carry one verbatim section) and no message unfurls a
    preview: first alert, thread reply, system/test alert, incoming webhook, the update of the
    first message and the snooze modal."""
    settings.OUTBOUND_ALLOW_PRIVATE = True  # the stand-in listens on 127.0.0.1
    ch = slack_channel(world.project.organization)
    hook = Channel.objects.create(
        organization=world.project.organization, name="hook", kind="slack_webhook", config={"url": slack.webhook_url()}
    )
    rule(world.project, ch, hook, triggers=["new_issue", "regression"], min_interval_seconds=0)

    def event() -> dict[str, Any]:  # a new event id each time
        return make_event(exception={"values": [{"type": "ValueError", "value": BARE_LINKS}]}, environment="#general")

    issue = Issue.objects.get(pk=next(iter(record(world.project, event()).changes)))

    [first] = slack.posted()
    [hooked] = slack.posted("incoming-webhook")
    for call in (first, hooked):
        _assert_not_unfurled(call.args)
        _assert_verbatim(call.args["blocks"])
        assert "https://evil.example/x" in json.dumps(call.args["blocks"])  # shown, as plain text

    issue_resolve(issue=Issue.objects.get(pk=issue.pk), user=world.owner)
    [update] = slack.posted("chat.update")
    _assert_verbatim(update.args["blocks"])
    Channel.objects.filter(pk=ch.pk).update(next_allowed_at=None)  # past the one-per-second pacing
    record(world.project, event())  # regresses: a thread reply
    [reply] = [c for c in slack.posted() if "thread_ts" in c.args]
    _assert_not_unfurled(reply.args)
    _assert_verbatim(reply.args["blocks"])

    Channel.objects.filter(pk=ch.pk).update(next_allowed_at=None)
    test_alert_send(channel=ch, user=world.owner)  # no issue: the system-alert text
    system = slack.posted()[-1]
    assert "thread_ts" not in system.args and "test alert" in system.args["text"]
    _assert_not_unfurled(system.args)
    _assert_verbatim(system.args["blocks"])

    assert button(client, "U0OLIVIA", "issue_snooze", str(issue.pk)).status_code == 200
    [opened] = slack.posted("views.open")
    _assert_verbatim(opened.args["view"]["blocks"])
