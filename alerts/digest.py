"""The daily digest: one email per user per (local) day at their chosen hour,
covering the projects of their teams minus the ones they opted out of.

"Unexplained 500s" is approximate: issues whose source is a web-server log
(``log:nginx``/``log:apache``) or whose fingerprint came from an HTTP 5xx
(source ``http-5xx``) — server errors no application exception explains.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from alerts.integrations.email.headers import header_text
from alerts.models import DigestSent
from errorhub.accounts.models import Project, UserProfile
from errorhub.issues.models import Issue, Lifecycle

UNSUBSCRIBE_SALT = "alerts.digest.unsubscribe"
FIVE_HUNDRED_SOURCES = (
    Q(source__startswith="log:nginx") | Q(source__startswith="log:apache") | Q(source__startswith="http-5xx")
)


def _profile(user: Any) -> UserProfile:
    return UserProfile.objects.filter(user=user).first() or UserProfile(user=user)


def _local_now(profile: UserProfile, now: datetime) -> datetime:
    try:
        return now.astimezone(zoneinfo.ZoneInfo(profile.timezone or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return now.astimezone(zoneinfo.ZoneInfo("UTC"))


def users_due_for_digest(now: datetime) -> list[tuple[int, date]]:
    """(user id, local day) for users whose digest hour has come today and who have not had it.
    "Hour has come" (not "is exactly") so a missed beat run still sends later that day."""
    due = []
    users = (
        get_user_model()
        .objects.filter(is_active=True, errorhub_teams__projects__isnull=False)
        .exclude(email="")
        .distinct()
    )
    sent = set(DigestSent.objects.filter(day__gte=(now - timedelta(days=1)).date()).values_list("user_id", "day"))
    for user in users:
        profile = _profile(user)
        if not profile.digest_enabled:
            continue
        local = _local_now(profile, now)
        if local.hour >= profile.digest_hour and (user.pk, local.date()) not in sent:
            due.append((user.pk, local.date()))
    return due


def digest_projects(user: Any) -> list[Project]:
    projects = Project.objects.filter(teams__members=user).distinct().select_related("organization")
    profile = UserProfile.objects.filter(user=user).first()
    if profile is not None:
        projects = projects.exclude(pk__in=profile.digest_opt_out_projects.values("pk"))
    return list(projects.order_by("slug"))


def _link(issue: Issue) -> str:
    return f"{settings.BASE_URL}/issues/{issue.pk}/"


def digest_context(user: Any, now: datetime) -> dict[str, Any]:
    """Everything the digest shows, per project."""
    day_ago = now - timedelta(days=1)
    sections = []
    for project in digest_projects(user):
        issues = Issue.objects.filter(project=project, merged_into__isnull=True)
        inbox = issues.filter(in_inbox=True)
        inbox_yesterday = (
            issues.filter(
                Q(in_inbox=True, inbox_since__lte=day_ago)
                | Q(
                    activities__kind__in=("acknowledged", "resolved", "snoozed", "assigned"),
                    activities__created_at__gt=day_ago,
                    first_seen__lte=day_ago,
                )
            )
            .distinct()
            .count()
        )
        sections.append(
            {
                "project": project,
                "inbox_count": inbox.count(),
                "inbox_change": inbox.count() - inbox_yesterday,
                "new": list(issues.filter(first_seen__gte=day_ago).order_by("-times_seen")[:10]),
                "regressed": list(
                    issues.filter(activities__kind="regressed", activities__created_at__gte=day_ago).distinct()[:10]
                ),
                "oldest_untriaged": list(
                    inbox.filter(lifecycle__in=(Lifecycle.NEW, Lifecycle.REGRESSED)).order_by("inbox_since")[:5]
                ),
                "top": list(issues.filter(last_seen__gte=day_ago).order_by("-times_seen")[:5]),
                "unexplained_500s": list(
                    issues.filter(FIVE_HUNDRED_SOURCES, last_seen__gte=day_ago).exclude(
                        lifecycle__in=(Lifecycle.RESOLVED, Lifecycle.FIXED)
                    )[:10]
                ),
                "snoozes_ending": list(
                    issues.filter(lifecycle=Lifecycle.SNOOZED, snooze_until__lte=now + timedelta(days=1)).order_by(
                        "snooze_until"
                    )[:10]
                ),
                "fixed": list(
                    issues.filter(
                        activities__kind__in=("fixed", "resolved"),
                        activities__created_at__gte=day_ago,
                        lifecycle__in=(Lifecycle.RESOLVED, Lifecycle.FIXED),
                    ).distinct()[:10]
                ),
            }
        )
    token = signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT)
    return {
        "user": user,
        "sections": sections,
        "base_url": settings.BASE_URL,
        "now": now,
        "unsubscribe_url": settings.BASE_URL + reverse("alerts-digest-unsubscribe", args=[token]),
        "link": _link,
    }


def digest_send(*, user_id: int, day: date, now: datetime | None = None) -> bool:
    """Claim (user, day) and mail the digest. False if it was already claimed (another beat
    process or a retry): the unique row is inserted before sending, so at most one sends.
    If sending fails, the claim is released so the retry can send."""
    from django.utils import timezone

    now = now or timezone.now()
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    try:
        with transaction.atomic():
            claim = DigestSent.objects.create(user=user, day=day, sent_at=now)
    except IntegrityError:
        return False
    try:
        _mail(user, digest_context(user, now), day)
    except Exception:
        claim.delete()
        raise
    return True


def _mail(user: Any, context: dict[str, Any], day: date) -> None:
    for section in context["sections"]:
        for key in ("new", "regressed", "oldest_untriaged", "top", "unexplained_500s", "snoozes_ending", "fixed"):
            section[key] = [{"issue": i, "url": _link(i)} for i in section[key]]
    context["day"] = day
    message = EmailMultiAlternatives(
        subject=header_text(f"ErrorHub daily digest — {day:%a %d %b %Y}"),
        body=render_to_string("email/digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": header_text(f"<{context['unsubscribe_url']}>", limit=2000),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string("email/digest.html", context), "text/html")
    message.send()


def digest_unsubscribe(*, token: str) -> Any:
    """Turn the digest off for the user the signed token names. Raises signing.BadSignature."""
    user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=timedelta(days=60))["u"]
    user = get_user_model().objects.get(pk=user_id)
    profile, _ = UserProfile.objects.get_or_create(user=user)
    profile.digest_enabled = False
    profile.save(update_fields=["digest_enabled"])
    return user
