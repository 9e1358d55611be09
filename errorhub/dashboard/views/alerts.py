"""The Alerts pages of the dashboard: rules, channels, the delivery log, the dry run.

Thin views like the rest of ``errorhub.dashboard.views``: validate, call one service from
``alerts.rule_services``, render. Everything is scoped to the user: a rule is visible
through its project (or, organisation-wide, through the organisation); a channel
through its organisation. Anything else answers 404, for pages and POSTs alike.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from alerts import rule_services
from alerts.dryrun import alert_dry_run, rule_preview
from alerts.models import Channel, ChannelKind, Delivery, Rule
from alerts.routing import rule_pattern_problems
from errorhub.accounts import selectors
from errorhub.accounts.models import Organization, Team
from errorhub.dashboard import alerts_forms as forms
from errorhub.dashboard.views.base import page
from errorhub.events.stores import get_event_store
from errorhub.events.stores.base import EventStoreUnavailable
from errorhub.issues import selectors as issue_selectors

DELIVERY_PAGE = 50

# --- scoped reads -----------------------------------------------------------------------


def _organizations(user: Any) -> list[Organization]:
    return list(selectors.organizations_for_user(user).order_by("name"))


def _rules_for(user: Any) -> QuerySet[Rule]:
    return Rule.objects.filter(
        Q(project__in=selectors.projects_for_user(user))
        | Q(project__isnull=True, organization__in=selectors.organizations_for_user(user))
    )


def _channels_for(user: Any) -> QuerySet[Channel]:
    return Channel.objects.filter(organization__in=selectors.organizations_for_user(user))


def _rule_or_404(user: Any, rule_id: int) -> Rule:
    return get_object_or_404(_rules_for(user).select_related("project", "organization"), pk=rule_id)


def _channel_or_404(user: Any, channel_id: int) -> Channel:
    return get_object_or_404(_channels_for(user).select_related("organization"), pk=channel_id)


def _deliveries_for(user: Any) -> QuerySet[Delivery]:
    """Deliveries to visible channels about visible issues (or about no issue: tests, system alerts)."""
    return Delivery.objects.filter(
        Q(issue__isnull=True) | Q(issue__project__in=selectors.projects_for_user(user)), channel__in=_channels_for(user)
    )


def _require_channel_admin(user: Any, organization: Organization) -> None:
    """Channels are shared by an organisation's teams: only its owners (or a
    superuser) create, change or re-enable them; members may look and test."""
    if not (user.is_superuser or organization.owners.filter(pk=user.pk).exists()):
        raise PermissionDenied("only the organisation's owners manage its alert channels")


def channel_target(channel: Channel) -> str:
    """Where the channel points, without secrets: webhook URLs carry their token in the path."""
    config = channel.config or {}
    if channel.kind == ChannelKind.SLACK:
        return " ".join(filter(None, [config.get("name", ""), f"({config.get('channel', '')})"]))
    if channel.kind in (ChannelKind.SLACK_WEBHOOK, ChannelKind.WEBHOOK):
        parts = urlsplit(config.get("url", ""))
        return f"{parts.scheme}://{parts.netloc}/…" if parts.netloc else "(no URL)"
    team = Team.objects.filter(pk=config.get("team")).first() if config.get("team") else None
    return ", ".join((config.get("addresses") or []) + ([f"team {team.name}"] if team else [])) or "(nobody)"


def _circuit(channel: Channel, now: Any) -> str:
    if channel.open_until and channel.open_until > now:
        return "open"
    return f"closed, {channel.consecutive_failures} recent failure(s)" if channel.consecutive_failures else "closed"


# --- rules --------------------------------------------------------------------------------


@page
def rule_list(request: HttpRequest) -> HttpResponse:
    last = Delivery.objects.filter(rule=OuterRef("pk")).order_by("-created_at", "-pk")
    rules = (
        _rules_for(request.user)
        .select_related("project", "organization")
        .prefetch_related("channels")
        .annotate(
            last_delivery_at=Max("deliveries__created_at"), last_delivery_status=Subquery(last.values("status")[:1])
        )
        .order_by("organization__name", "project__slug", "name")
    )
    now = timezone.now()
    return render(
        request,
        "alerts/pages/rules.html",
        {
            "rules": [r for r in rules if not r.archived],
            "archived": [r for r in rules if r.archived],
            "now": now,
            "labels": forms.TRIGGER_LABELS,
        },
    )


def _rule_form(request: HttpRequest, rule: Rule | None, *, bound: bool = True) -> forms.RuleForm:
    orgs = _organizations(request.user)
    projects = list(selectors.projects_for_user(request.user).order_by("organization__slug", "slug"))
    channels = _channels_for(request.user).order_by("name")
    if rule is not None:  # a rule stays in its organisation
        orgs = [o for o in orgs if o.pk == rule.organization_id]
        projects = [p for p in projects if p.organization_id == rule.organization_id]
        channels = channels.filter(organization_id=rule.organization_id)
    return forms.RuleForm(
        request.POST if bound and request.method == "POST" else None,
        initial=forms.RuleForm.initial_for(rule) if rule else None,
        projects=projects,
        organizations=orgs,
        channels=channels,
    )


def _rule_page(
    request: HttpRequest,
    rule: Rule | None,
    form: forms.RuleForm,
    *,
    status: int = 200,
    mute_form: forms.MuteForm | None = None,
    archive_form: forms.ArchiveForm | None = None,
    preview: dict[str, Any] | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {"rule": rule, "form": form, "now": timezone.now(), **(preview or {})}
    if rule is not None:
        context.update(
            {
                "mute_form": mute_form or forms.MuteForm(),
                "archive_form": archive_form or forms.ArchiveForm(),
                "pattern_problems": rule_pattern_problems(rule),
                "deliveries": rule.deliveries.select_related("channel", "issue").order_by("-created_at", "-pk")[:20],
                "dry_run_form": forms.DryRunForm(
                    initial={"project": rule.project_id or ""},
                    projects=list(
                        selectors.projects_for_user(request.user).filter(organization_id=rule.organization_id)
                    ),
                ),
            }
        )
    return render(request, "alerts/pages/rule.html", context, status=status)


def _preview(request: HttpRequest, form: forms.RuleForm) -> tuple[dict[str, Any], int]:
    """The live preview's context and status: the recent issues the rule as typed would have
    fired on; the form's errors (400) when it is not a rule yet; 503 without the event store."""
    if not form.is_valid():
        return {"preview_form": form}, 400
    data = form.cleaned_data
    projects = (
        [data["project"]]
        if data["project"]
        else list(selectors.projects_for_user(request.user).filter(organization=data["organization"]))
    )
    try:
        preview = rule_preview(rule=form.preview_rule(), projects=projects)
    except EventStoreUnavailable as exc:
        return {"preview_error": f"The event store is unavailable, try again shortly ({exc})."}, 503
    return {"preview": preview, "preview_form": form}, 200


@page
@require_POST
def rule_preview_fragment(request: HttpRequest) -> HttpResponse:
    """``alerts.js`` posts the rule form here as it is edited; nothing is saved.

    A rule still being typed is the normal state of this form, not a failed submission: its
    errors come back in a 200 fragment (marked ``X-Preview-Valid: 0``), so each keystroke
    does not log a failed request in the browser. Saving it answers 400 as before."""
    context, status = _preview(request, _rule_form(request, None))
    response = render(request, "alerts/pages/_preview.html", context, status=200 if status == 400 else status)
    response["X-Preview-Valid"] = "1" if status == 200 else "0"
    return response


def _wants_preview(request: HttpRequest) -> bool:
    """The form's Preview button (the no-JS way to the preview): show it, save nothing."""
    return request.method == "POST" and "_preview" in request.POST


@page
def rule_new(request: HttpRequest) -> HttpResponse:
    form = _rule_form(request, None)
    if _wants_preview(request):
        context, status = _preview(request, form)
        return _rule_page(request, None, form, status=status, preview=context)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            rule = rule_services.rule_create(
                organization=data["organization"],
                project=data["project"],
                channels=data["channels"],
                user=request.user,
                **form.rule_fields(),
            )
            messages.success(request, f"Rule “{rule.name}” created.")
            return redirect("alert-rule", rule_id=rule.pk)
        return _rule_page(request, None, form, status=400)
    return _rule_page(request, None, form)


@page
def rule_detail(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule_or_404(request.user, rule_id)
    form = _rule_form(request, rule)
    if _wants_preview(request):
        context, status = _preview(request, form)
        return _rule_page(request, rule, form, status=status, preview=context)
    if request.method == "POST":
        if rule.archived:
            messages.error(request, "An archived rule cannot be edited.")
            return redirect("alert-rule", rule_id=rule.pk)
        if form.is_valid():
            data = form.cleaned_data
            rule_services.rule_update(
                rule=rule, project=data["project"], channels=data["channels"], user=request.user, **form.rule_fields()
            )
            messages.success(request, "Rule saved.")
            return redirect("alert-rule", rule_id=rule.pk)
        return _rule_page(request, rule, form, status=400)
    return _rule_page(request, rule, form)


@page
@require_POST
def rule_action(request: HttpRequest, rule_id: int, action: str) -> HttpResponse:
    rule = _rule_or_404(request.user, rule_id)
    if action not in ("mute", "unmute", "archive"):
        raise Http404("no such action")
    if rule.archived:
        messages.error(request, "This rule is archived.")
        return redirect("alert-rule", rule_id=rule.pk)
    if action == "unmute":
        rule_services.rule_unmute(rule=rule, user=request.user)
        messages.success(request, "Rule unmuted.")
        return redirect("alert-rule", rule_id=rule.pk)
    form_class = forms.MuteForm if action == "mute" else forms.ArchiveForm
    form = form_class(request.POST)
    if not form.is_valid():
        slot = {"mute_form" if action == "mute" else "archive_form": form}
        return _rule_page(request, rule, _rule_form(request, rule, bound=False), status=400, **slot)
    if action == "mute":
        rule_services.rule_mute(
            rule=rule, until=form.cleaned_data["until"], reason=form.cleaned_data["reason"], user=request.user
        )
        messages.success(request, "Rule muted.")
    else:
        rule_services.rule_archive(rule=rule, reason=form.cleaned_data["reason"], user=request.user)
        messages.success(request, "Rule archived; it no longer matches, and its history is kept.")
    return redirect("alert-rule", rule_id=rule.pk)


# --- channels -----------------------------------------------------------------------------


@page
def channel_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    channels = list(
        _channels_for(request.user).select_related("organization").order_by("enabled", "organization__name", "name")
    )  # disabled first
    rows = [{"channel": c, "target": channel_target(c), "circuit": _circuit(c, now)} for c in channels]
    return render(
        request, "alerts/pages/channels.html", {"disabled": [r for r in rows if not r["channel"].enabled], "rows": rows}
    )


def _channel_form(request: HttpRequest, channel: Channel | None) -> forms.ChannelForm:
    orgs = _organizations(request.user)
    if channel is not None:
        orgs = [o for o in orgs if o.pk == channel.organization_id]
    teams = list(Team.objects.filter(organization__in=orgs).select_related("organization").order_by("name"))
    return forms.ChannelForm(
        request.POST if request.method == "POST" else None,
        initial=forms.ChannelForm.initial_for(channel) if channel else None,
        organizations=orgs,
        teams=teams,
        editing=channel.kind if channel else "",
    )


def _channel_page(
    request: HttpRequest,
    channel: Channel | None,
    form: forms.ChannelForm,
    *,
    status: int = 200,
    secret: str | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {"channel": channel, "form": form, "secret": secret}
    if channel is not None:
        context.update(
            {
                "target": channel_target(channel),
                "circuit": _circuit(channel, timezone.now()),
                "rules": channel.rules.filter(archived=False).order_by("name"),
                "deliveries": _deliveries_for(request.user)
                .filter(channel=channel)
                .select_related("rule", "issue")
                .order_by("-created_at", "-pk")[:20],
            }
        )
    return render(request, "alerts/pages/channel.html", context, status=status)


@page
def channel_new(request: HttpRequest) -> HttpResponse:
    form = _channel_form(request, None)
    if request.method != "POST":
        return _channel_page(request, None, form)
    if form.is_valid():
        org, kind = form.cleaned_data["organization"], form.cleaned_data["kind"]
        _require_channel_admin(request.user, org)
        config = form.config_for(kind, org)
        if not form.errors:
            channel, secret = rule_services.channel_create(
                organization=org, name=form.cleaned_data["name"], kind=kind, config=config, user=request.user
            )
            if secret is None:
                messages.success(request, f"Channel “{channel.name}” created.")
                return redirect("alert-channel", channel_id=channel.pk)
            # the secret is rendered in this answer only, never stored in the session or a message
            return _channel_page(request, channel, _channel_form_unbound(request, channel), secret=secret)
    return _channel_page(request, None, form, status=400)


def _channel_form_unbound(request: HttpRequest, channel: Channel) -> forms.ChannelForm:
    orgs = [o for o in _organizations(request.user) if o.pk == channel.organization_id]
    teams = list(Team.objects.filter(organization__in=orgs).select_related("organization").order_by("name"))
    return forms.ChannelForm(
        initial=forms.ChannelForm.initial_for(channel), organizations=orgs, teams=teams, editing=channel.kind
    )


@page
def channel_detail(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = _channel_or_404(request.user, channel_id)
    form = _channel_form(request, channel)
    if request.method != "POST":
        return _channel_page(request, channel, form)
    _require_channel_admin(request.user, channel.organization)
    if form.is_valid():
        config = form.config_for(channel.kind, channel.organization)
        if not form.errors:
            channel, secret = rule_services.channel_update(
                channel=channel,
                name=form.cleaned_data["name"],
                config=config,
                user=request.user,
                rotate_secret=form.cleaned_data.get("rotate_secret", False),
            )
            if secret is None:
                messages.success(request, "Channel saved.")
                return redirect("alert-channel", channel_id=channel.pk)
            return _channel_page(request, channel, _channel_form_unbound(request, channel), secret=secret)
    return _channel_page(request, channel, form, status=400)


@page
@require_POST
def channel_action(request: HttpRequest, channel_id: int, action: str) -> HttpResponse:
    channel = _channel_or_404(request.user, channel_id)
    if action == "enable":
        _require_channel_admin(request.user, channel.organization)
        rule_services.channel_enable(channel=channel, user=request.user)
        messages.success(request, f"Channel “{channel.name}” enabled again.")
    elif action == "test":
        _send_test(request, channel)
    else:
        raise Http404("no such action")
    if request.POST.get("next") == "list":
        return redirect("alert-channels")
    return redirect("alert-channel", channel_id=channel.pk)


def _send_test(request: HttpRequest, channel: Channel) -> None:
    """Queue the test send (never run in the request) and say where its result will show."""
    try:
        rule_services.test_alert_send(channel=channel, user=request.user)
    except ValueError as exc:
        messages.error(request, f"No test alert sent: {exc}.")
        return
    messages.success(
        request, f"Test alert queued for “{channel.name}”: its result shows in the channel's delivery log."
    )


# --- delivery log -----------------------------------------------------------------------


@page
def delivery_list(request: HttpRequest) -> HttpResponse:
    channels = list(_channels_for(request.user).order_by("name"))
    form = forms.DeliveryFilterForm(request.GET or None, channels=channels)
    if request.GET and not form.is_valid():
        return render(request, "alerts/pages/deliveries.html", {"form": form, "rows": []}, status=400)
    data = form.cleaned_data if request.GET else {}
    qs = _deliveries_for(request.user).select_related("rule", "channel", "issue", "issue__project")
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("channel"):
        qs = qs.filter(channel_id=int(data["channel"]))
    if data.get("before"):
        qs = qs.filter(pk__lt=data["before"])
    rows = list(qs.order_by("-pk")[: DELIVERY_PAGE + 1])
    older = None
    if len(rows) > DELIVERY_PAGE:
        rows = rows[:DELIVERY_PAGE]
        params = request.GET.copy()
        params["before"] = rows[-1].pk
        older = params.urlencode()
    return render(request, "alerts/pages/deliveries.html", {"form": form, "rows": rows, "older": older})


# --- dry run --------------------------------------------------------------------------------


@page
def dry_run(request: HttpRequest) -> HttpResponse:
    projects = list(selectors.projects_for_user(request.user).order_by("organization__slug", "slug"))
    form = forms.DryRunForm(
        request.POST if request.method == "POST" else None,
        projects=projects,
        initial={"project": request.GET.get("project", "")},
    )
    context: dict[str, Any] = {"form": form, "result": None}
    if request.method != "POST":
        return render(request, "alerts/pages/dry_run.html", context)
    if not form.is_valid():
        return render(request, "alerts/pages/dry_run.html", context, status=400)
    project, event = form.cleaned_data["project"], form.cleaned_data["event"]
    if form.cleaned_data.get("issue"):
        project, event, error = _latest_event(request.user, form.cleaned_data["issue"])
        if error:
            form.add_error("issue", error[1])
            return render(request, "alerts/pages/dry_run.html", context, status=error[0])
    result = alert_dry_run(project=project, event=event)
    rules = {r.pk: r for r in _rules_for(request.user).filter(pk__in=[d["rule_id"] for d in result.decisions])}
    context.update({"result": result, "project": project, "rules": rules})
    return render(request, "alerts/pages/dry_run.html", context)


def _latest_event(user: Any, issue_id: int) -> tuple[Any, Any, tuple[int, str] | None]:
    """(project, latest stored event, None) of a visible issue, or (None, None, (status, error))."""
    try:
        issue = issue_selectors.issue_get_for_user(user, issue_id)
    except Http404:
        return None, None, (400, f"there is no issue {issue_id} you can see")
    try:
        events = get_event_store().list_for_issue(issue.pk, limit=1).events
    except EventStoreUnavailable as exc:
        return None, None, (503, f"the event store is unavailable, try again shortly ({exc})")
    if not events:
        return None, None, (400, f"issue {issue_id} has no stored event")
    return issue.project, events[0], None
