"""factory_boy factories: one style for every test's data, one factory per model of our apps.

Grouped by app (accounts, issues, events, ingest, alerts). Each factory builds a valid row on
its own — every foreign key gets its own parent, and rows that must agree (an issue and its
project, a rule and its channel's organisation) are tied with ``SelfAttribute`` — so a test
names only the fields its behaviour depends on. ``tests/test_factories_cover_models.py`` keeps
this module complete: a new model without a factory fails it.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from alerts.models import (
    Channel,
    ChannelKind,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    DigestSent,
    IssueAlertState,
    Rule,
    SlackRequestSeen,
)
from errorhub.accounts.models import (
    ApiToken,
    Invitation,
    LoginFailure,
    Organization,
    Project,
    ProjectKey,
    Team,
    UserProfile,
)
from errorhub.artifacts.models import ArtifactBundle, ArtifactFile, FileChunk
from errorhub.events.models import (
    Attachment,
    EventTag,
    IndexOutbox,
    SeenEvent,
    StoredEvent,
    TraceLink,
    UserFeedback,
)
from errorhub.issues.models import (
    Activity,
    Comment,
    Deploy,
    GroupHash,
    Issue,
    IssueHour,
    IssueUser,
    Release,
    ReleaseCommit,
)
from errorhub.monitors.models import CheckIn, CheckInStatus, Monitor, MonitorEnvironment
from ingest.models import ClientOutcome, DeadLetter, IngestCounter, ItemCounter, SessionAggregate
from ingest.protocol.grouping import GROUPING_VERSION


def _hex_id() -> str:
    """A 32-hex id, the shape of Sentry's event_id / feedback_id."""
    return uuid.uuid4().hex


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _this_hour() -> datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0)


# --- accounts -------------------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")


class ProjectKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectKey

    project = factory.SubFactory(ProjectFactory)


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """Only the hash is stored, as ``api_token_create`` does; pass ``token=`` to know the secret."""

    class Meta:
        model = ApiToken

    class Params:
        token = factory.Sequence(lambda n: f"ehp_factory-token-{n:08d}")

    user = factory.SubFactory(UserFactory)
    label = "tests"
    token_hash = factory.LazyAttribute(lambda t: ApiToken.hash_token(t.token))
    prefix = factory.LazyAttribute(lambda t: t.token[:8])


class UserProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserProfile
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)


class LoginFailureFactory(factory.django.DjangoModelFactory):
    """One failed password check; ``key_hash`` is the SHA-256 the throttle stores, never the name."""

    class Meta:
        model = LoginFailure

    class Params:
        key = factory.Sequence(lambda n: f"someone{n}")

    scope = "user"
    key_hash = factory.LazyAttribute(lambda f: _sha256(f.key))


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation; ``token`` is the clear text of its link (only its hash is stored)."""

    class Meta:
        model = Invitation
        exclude = ("token",)

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    token = factory.Sequence(lambda n: f"invitation-token-{n}")
    token_hash = factory.LazyAttribute(lambda i: Invitation.hash_token(i.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


# --- issues ---------------------------------------------------------------------------------------


class IssueFactory(factory.django.DjangoModelFactory):
    """An issue as the digest step would open it: new, in the inbox, seen once."""

    class Meta:
        model = Issue

    project = factory.SubFactory(ProjectFactory)
    short_id = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"ValueError: factory issue {n}")
    culprit = "app.views in checkout"
    grouping_version = GROUPING_VERSION
    times_seen = 1
    first_seen = factory.LazyFunction(timezone.now)
    last_seen = factory.SelfAttribute("first_seen")


class GroupHashFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupHash

    issue = factory.SubFactory(IssueFactory)
    project = factory.SelfAttribute("issue.project")
    hash = factory.Sequence(lambda n: _sha256(f"fingerprint {n}")[:32])
    version = GROUPING_VERSION


class IssueUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IssueUser

    issue = factory.SubFactory(IssueFactory)
    user_hash = factory.Sequence(lambda n: _sha256(f"user {n}")[:40])


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    issue = factory.SubFactory(IssueFactory)
    kind = "acknowledged"
    actor = "system"
    data = factory.LazyFunction(lambda: {"reason": "created by a factory"})


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    issue = factory.SubFactory(IssueFactory)
    user = factory.SubFactory(UserFactory)
    text = "Looking into it."


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Release

    project = factory.SubFactory(ProjectFactory)
    version = factory.Sequence(lambda n: f"1.0.{n}")


class ReleaseCommitFactory(factory.django.DjangoModelFactory):
    """A commit as ``sentry-cli releases set-commits --local`` sends it."""

    class Meta:
        model = ReleaseCommit

    release = factory.SubFactory(ReleaseFactory)
    sha = factory.LazyFunction(lambda: uuid.uuid4().hex + uuid.uuid4().hex[:8])
    repository = "shop"
    message = "Fix the checkout total"
    author_name = "Ada"
    author_email = "ada@example.com"


class DeployFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deploy

    release = factory.SubFactory(ReleaseFactory)
    environment = "production"
    name = factory.Sequence(lambda n: f"deploy-{n}")


class IssueHourFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IssueHour

    issue = factory.SubFactory(IssueFactory)
    hour = factory.LazyFunction(_this_hour)
    count = 1


# --- events ---------------------------------------------------------------------------------------


class StoredEventFactory(factory.django.DjangoModelFactory):
    """A row of the SQL event store; ``body`` is the normalised event the store returns."""

    class Meta:
        model = StoredEvent

    issue = factory.SubFactory(IssueFactory)
    project = factory.SelfAttribute("issue.project")
    event_id = factory.LazyFunction(_hex_id)
    timestamp = factory.LazyFunction(timezone.now)
    received_at = factory.SelfAttribute("timestamp")
    level = "error"
    environment = "production"
    tags = factory.LazyAttribute(lambda e: {"environment": e.environment})
    search_text = factory.LazyAttribute(lambda e: e.issue.title)
    body = factory.LazyAttribute(
        lambda e: {
            "event_id": e.event_id,
            "project_id": e.project.pk,
            "level": e.level,
            "platform": "python",
            "message": e.issue.title,
            "timestamp": e.timestamp.isoformat(),
            "environment": e.environment,
            "tags": dict(e.tags),
        }
    )


class EventTagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventTag

    event = factory.SubFactory(StoredEventFactory)
    issue_id = factory.SelfAttribute("event.issue_id")
    key = "environment"
    value = "production"


class SeenEventFactory(factory.django.DjangoModelFactory):
    """An accepted event_id (idempotency); ids only, no foreign keys, as ingest writes it."""

    class Meta:
        model = SeenEvent

    class Params:
        issue = factory.SubFactory(IssueFactory)

    project_id = factory.SelfAttribute("issue.project_id")
    issue_id = factory.SelfAttribute("issue.pk")
    event_id = factory.LazyFunction(_hex_id)


class IndexOutboxFactory(factory.django.DjangoModelFactory):
    """A document waiting for the search engine (written in the event's transaction)."""

    class Meta:
        model = IndexOutbox

    class Params:
        issue = factory.SubFactory(IssueFactory)

    project_id = factory.SelfAttribute("issue.project_id")
    issue_id = factory.SelfAttribute("issue.pk")
    event_id = factory.LazyFunction(_hex_id)
    timestamp = factory.LazyFunction(lambda: timezone.now().isoformat())
    document = factory.LazyAttribute(lambda o: f'{{"event_id": "{o.event_id}", "issue_id": {o.issue_id}}}')


class TraceLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TraceLink

    project = factory.SubFactory(ProjectFactory)
    trace_id = factory.LazyFunction(_hex_id)
    transaction = "GET /orders/{id}"
    op = "http.server"
    status = "internal_error"
    http_status = 500
    duration_ms = 12.5
    timestamp = factory.LazyFunction(timezone.now)


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    project = factory.SubFactory(ProjectFactory)
    event_id = factory.LazyFunction(_hex_id)
    filename = "debug.log"
    content_type = "text/plain"
    data = b"line 1\nline 2\n"
    size = factory.LazyAttribute(lambda a: len(a.data))


class UserFeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserFeedback

    issue = factory.SubFactory(IssueFactory)
    project = factory.SelfAttribute("issue.project")
    feedback_id = factory.LazyFunction(_hex_id)
    event_id = factory.LazyFunction(_hex_id)
    name = "Jane"
    email = "jane@example.com"
    comments = "The checkout page broke."
    source = "feedback"


# --- ingest ---------------------------------------------------------------------------------------


class DeadLetterFactory(factory.django.DjangoModelFactory):
    """A payload that failed all its retries, as ``dead_letter_store`` keeps it."""

    class Meta:
        model = DeadLetter

    class Params:
        project = factory.SubFactory(ProjectFactory)

    task = "ingest.tasks.process_payload"
    project_id = factory.SelfAttribute("project.pk")
    payload = factory.LazyAttribute(
        lambda d: {"kind": "store", "project_id": d.project_id, "body": "{}", "b64": False, "client": "tests/1.0"}
    )
    error = "RuntimeError: store unavailable"
    attempts = 3


class IngestCounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IngestCounter

    class Params:
        project = factory.SubFactory(ProjectFactory)

    project_id = factory.SelfAttribute("project.pk")
    minute = factory.LazyFunction(lambda: timezone.now().replace(second=0, microsecond=0))
    outcome = "accepted"
    count = 1


class ClientOutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientOutcome

    project = factory.SubFactory(ProjectFactory)
    day = factory.LazyFunction(lambda: timezone.now().date())
    reason = "ratelimit_backoff"
    category = "error"
    quantity = 1


class SessionAggregateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionAggregate

    project = factory.SubFactory(ProjectFactory)
    release = factory.Sequence(lambda n: f"2.0.{n}")
    environment = "production"
    hour = factory.LazyFunction(_this_hour)
    healthy = 10
    errored = 1


class ItemCounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemCounter

    project = factory.SubFactory(ProjectFactory)
    day = factory.LazyFunction(lambda: timezone.now().date())
    item_type = "transaction"
    count = 1


# --- alerts ---------------------------------------------------------------------------------------


class ChannelFactory(factory.django.DjangoModelFactory):
    """A webhook channel by default (no outside service needed to exist)."""

    class Meta:
        model = Channel

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"channel {n}")
    kind = ChannelKind.WEBHOOK
    config = factory.LazyFunction(lambda: {"url": "https://hooks.example.com/errorhub", "secret": "s3cret"})


class RuleFactory(factory.django.DjangoModelFactory):
    """An organisation-wide rule on new issues (``project=None`` means every project)."""

    class Meta:
        model = Rule

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"rule {n}")
    triggers = factory.LazyFunction(lambda: ["new_issue"])


class DeliveryFactory(factory.django.DjangoModelFactory):
    """One notification of one issue to one channel; channel and rule share the issue's organisation."""

    class Meta:
        model = Delivery

    issue = factory.SubFactory(IssueFactory)
    channel = factory.SubFactory(ChannelFactory, organization=factory.SelfAttribute("..issue.project.organization"))
    rule = factory.SubFactory(RuleFactory, organization=factory.SelfAttribute("..issue.project.organization"))
    reason = "new_issue"
    status = DeliveryStatus.PENDING


class DeliveryAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeliveryAttempt

    delivery = factory.SubFactory(DeliveryFactory)
    status = DeliveryStatus.SENT
    response = "200 OK"


class IssueAlertStateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IssueAlertState

    issue = factory.SubFactory(IssueFactory)
    rule = factory.SubFactory(RuleFactory, organization=factory.SelfAttribute("..issue.project.organization"))
    last_sent_at = factory.LazyFunction(timezone.now)


class DigestSentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DigestSent

    user = factory.SubFactory(UserFactory)
    day = factory.LazyFunction(lambda: timezone.now().date())


class SlackRequestSeenFactory(factory.django.DjangoModelFactory):
    """A signed Slack request already answered (replay guard), kept until its window ends."""

    class Meta:
        model = SlackRequestSeen

    digest = factory.Sequence(lambda n: _sha256(f"v0:{n}:payload"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=5))


# --- monitors -------------------------------------------------------------------------------------


class MonitorFactory(factory.django.DjangoModelFactory):
    """A monitor as an SDK's first check-in with a config creates it: every five minutes."""

    class Meta:
        model = Monitor

    project = factory.SubFactory(ProjectFactory)
    slug = factory.Sequence(lambda n: f"nightly-job-{n}")
    schedule_kind = "crontab"
    crontab = "*/5 * * * *"


class MonitorEnvironmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonitorEnvironment

    monitor = factory.SubFactory(MonitorFactory)
    environment = "production"


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    monitor_environment = factory.SubFactory(MonitorEnvironmentFactory)
    check_in_id = factory.LazyFunction(_hex_id)
    status = CheckInStatus.OK
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.SelfAttribute("created_at")


# --- artifacts ------------------------------------------------------------------------------------


class FileChunkFactory(factory.django.DjangoModelFactory):
    """One chunk of a sentry-cli upload, named by its SHA-1."""

    class Meta:
        model = FileChunk

    organization = factory.SubFactory(OrganizationFactory)
    data = factory.Sequence(lambda n: f"chunk {n}".encode())
    checksum = factory.LazyAttribute(lambda chunk: hashlib.sha1(chunk.data).hexdigest())


class ArtifactBundleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArtifactBundle

    organization = factory.SubFactory(OrganizationFactory)
    checksum = factory.LazyFunction(lambda: hashlib.sha1(uuid.uuid4().bytes).hexdigest())
    release = "shop@1.0.0"
    file_count = 1


class ArtifactFileFactory(factory.django.DjangoModelFactory):
    """A minified file of a bundle (its project and release come from the bundle)."""

    class Meta:
        model = ArtifactFile

    bundle = factory.SubFactory(ArtifactBundleFactory)
    organization = factory.SelfAttribute("bundle.organization")
    release = factory.SelfAttribute("bundle.release")
    url = factory.Sequence(lambda n: f"~/static/app.{n}.min.js")
    kind = "minified_source"
    headers = factory.LazyFunction(lambda: {"Content-Type": "application/javascript"})
    content = b"function a(){throw new Error('x')}\n//# sourceMappingURL=app.min.js.map\n"
    sha1 = factory.LazyAttribute(lambda file: hashlib.sha1(file.content).hexdigest())
    size = factory.LazyAttribute(lambda file: len(file.content))
