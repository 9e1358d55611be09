"""Dashboard views: thin, every page behind login, every query scoped to the user.

A view validates input, calls one service (or selector), renders. Another
team's issue, project or key answers 404, for pages and actions alike.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import timedelta
from typing import Any, Callable

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from errorhub.accounts import selectors
from errorhub.issues import selectors as issue_selectors
from errorhub.dashboard import charts, forms, presenters, queries, services as dash_services
from errorhub.dashboard.snippets import sdk_snippets
from errorhub.issues.search import filter_issues
from errorhub.accounts.models import ApiToken, Organization, Project, Team, UserProfile
from errorhub.issues.models import Issue
from errorhub.issues import services as issue_services
from errorhub.issues.services import LifecycleError
from errorhub.accounts.services import api_token_create, project_key_create, project_key_rotate, project_key_set_active
from ingest.feedback import feedback_for_issue
from ingest.protocol.errors import ClientError
from ingest.protocol.search.query import AssignedTerm, FieldTerm, Query, QueryError, StateTerm, parse_query
from errorhub.events.stores import get_event_store
from errorhub.events.stores.base import EventStoreUnavailable

User = get_user_model()
PAGE_SIZE = 50
INBOX_ROWS = 100


def page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required; dates shown in the user's own time zone."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = UserProfile.objects.filter(user=request.user).only("timezone").first()
        try:
            timezone.activate(zoneinfo.ZoneInfo(profile.timezone if profile else "UTC"))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo("UTC"))
        try:
            return view(request, *args, **kwargs)
        finally:
            timezone.deactivate()

    return wrapper


# --- inbox ----------------------------------------------------------------------------


@page
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return _inbox_page(request, bulk_form=None)


def _inbox_page(request: HttpRequest, *, bulk_form: forms.BulkForm | None, status: int = 200) -> HttpResponse:
    now = timezone.now()
    qs = issue_selectors.inbox_for_user(request.user)
    per_project, oldest = queries.inbox_summary(qs)
    total = sum(row["n"] for row in per_project)
    issues = list(queries.by_impact(qs, now=now)[:INBOX_ROWS])
    sparks = queries.sparklines([i.pk for i in issues], now=now)
    rows = [{"issue": i, "spark": charts.sparkline(sparks.get(i.pk, []))} for i in issues]
    return render(request, "dashboard/inbox.html", {
        "rows": rows, "total": total, "per_project": per_project, "oldest": oldest,
        "shown": len(rows), "bulk_form": bulk_form, "bulk_actions": forms.BULK_ACTIONS,
    }, status=status)


@page
@require_POST
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    posted = [int(v) for v in request.POST.getlist("issues") if v.isdigit()]
    visible = {i.pk: i for i in issue_selectors.issues_for_user(request.user).filter(pk__in=posted)}
    if len(visible) != len(set(posted)):
        raise Http404("no such issue")
    form = forms.BulkForm(request.POST, issue_ids=list(visible),
                          organizations=list({i.project.organization for i in visible.values()}))
    if not form.is_valid():
        return _inbox_page(request, bulk_form=form, status=400)
    data, done = form.cleaned_data, 0
    try:
        for pk in data["issues"]:
            _bulk_apply(visible[pk], request.user, data)
            done += 1
    except LifecycleError as exc:
        messages.error(request, f"Stopped after {done} issue(s): {exc}")
        return redirect("inbox")
    messages.success(request, f"{dict(forms.BULK_ACTIONS)[data['action']]}: {done} issue(s).")
    return redirect("inbox")


def _bulk_apply(issue: Issue, user: Any, data: dict[str, Any]) -> None:
    action, reason = data["action"], (data.get("reason") or "").strip()
    if action == "acknowledge":
        issue_services.issue_acknowledge(issue=issue, user=user, assignee=data.get("assignee"), reason=reason)
    elif action == "assign":
        issue_services.issue_assign(issue=issue, user=user, assignee=data["assignee"])
    elif action == "resolve":
        issue_services.issue_resolve(issue=issue, user=user, reason=reason)
    elif action == "snooze":
        issue_services.issue_snooze(issue=issue, user=user, reason=reason,
                                    until=timezone.now() + timedelta(hours=data["hours"]))


# --- issues list --------------------------------------------------------------------


def _filter_terms(data: dict[str, Any]) -> list[Any]:
    terms: list[Any] = []
    if data.get("environment"):
        terms.append(FieldTerm("environment", "eq", (data["environment"],)))
    if data.get("release"):
        terms.append(FieldTerm("release", "eq", (data["release"],)))
    if data.get("lifecycle"):
        terms.append(StateTerm((data["lifecycle"],)))
    if data.get("level"):
        terms.append(FieldTerm("level", "eq", (data["level"],)))
    if data.get("source"):
        terms.append(FieldTerm("source", "eq", (data["source"],)))
    who = (data.get("assignee") or "").strip()
    if who == "none":
        terms.append(StateTerm(("unassigned",)))
    elif who:
        terms.append(AssignedTerm((who,)))
    return terms


@page
@require_GET
def issue_list(request: HttpRequest) -> HttpResponse:
    projects = list(selectors.projects_for_user(request.user).order_by("organization__slug", "slug"))
    form = forms.IssueFilterForm(request.GET or None, projects=projects, sorts=queries.SORTS)
    context: dict[str, Any] = {"form": form, "rows": [], "next_cursor": None, "query_error": None}
    if request.GET and not form.is_valid():
        return render(request, "dashboard/issues.html", context, status=400)
    data = form.cleaned_data if request.GET else {}
    sort = data.get("sort") or "last_seen"
    try:
        query = parse_query(data.get("query") or "")
        query = Query(terms=query.terms + tuple(_filter_terms(data)))
        qs = issue_selectors.issues_for_user(request.user)
        if data.get("project"):
            qs = qs.filter(project_id=int(data["project"]))
        qs = filter_issues(qs, query, me=request.user, project_ids=[p.pk for p in projects])
        if data.get("cursor"):
            qs = queries.after_cursor(qs, sort, data["cursor"])
        issues = list(qs.order_by(f"-{sort}", "-pk")[:PAGE_SIZE + 1])
    except QueryError as exc:
        context["query_error"] = {"message": exc.message, "position": exc.position, "token": exc.token}
        return render(request, "dashboard/issues.html", context, status=400)
    except ClientError as exc:
        context["query_error"] = {"message": exc.message, "position": None, "token": ""}
        return render(request, "dashboard/issues.html", context, status=exc.status)
    except EventStoreUnavailable as exc:
        context["query_error"] = {"message": f"the event store is unavailable, try again shortly ({exc})",
                                  "position": None, "token": ""}
        return render(request, "dashboard/issues.html", context, status=503)
    more = len(issues) > PAGE_SIZE
    issues = issues[:PAGE_SIZE]
    sparks = queries.sparklines([i.pk for i in issues], now=timezone.now())
    context["rows"] = [{"issue": i, "spark": charts.sparkline(sparks.get(i.pk, []))} for i in issues]
    if more:
        params = request.GET.copy()
        params["cursor"] = queries.encode_cursor(issues[-1], sort)
        context["next_cursor"] = params.urlencode()
    return render(request, "dashboard/issues.html", context)


# --- issue page -----------------------------------------------------------------------


def _load_event(issue: Issue, event_id: str | None) -> dict[str, Any] | None:
    store = get_event_store()
    if event_id is None:
        latest = store.list_for_issue(issue.pk, limit=1).events
        return latest[0] if latest else None
    event = store.get(issue.project_id, event_id)
    if event is None or int(event.get("issue_id") or 0) != issue.pk:
        raise Http404("no such event in this issue")
    return event


def _issue_page(request: HttpRequest, issue: Issue, event_id: str | None = None, *, status: int = 200,
                errors: dict[str, Any] | None = None) -> HttpResponse:
    store = get_event_store()
    event = _load_event(issue, event_id)
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    h24 = queries.issue_histogram(issue.pk, interval="1h", start=hour - timedelta(hours=24), end=hour)
    d30 = queries.issue_histogram(issue.pk, interval="1d", start=day - timedelta(days=30), end=day)
    older = newer = None
    if event is not None:
        older, newer = store.neighbours(issue.pk, event["event_id"])
    errors = errors or {}
    return render(request, "dashboard/issue.html", {
        "issue": issue,
        "event": presenters.present(event) if event else None,
        "older": older, "newer": newer,
        "chart_24h": charts.bar_chart([(b.start, b.count) for b in h24], label_format="%H:%M"),
        "chart_30d": charts.bar_chart([(b.start, b.count) for b in d30], label_format="%d %b"),
        "tags": queries.tag_distributions(issue, event),
        "activities": issue.activities.select_related("user")[:100],
        "feedback": feedback_for_issue(issue)[:50],
        "attachments": queries.event_attachments(issue.project_id, event["event_id"]) if event else [],
        "assign_form": errors.get("assign") or forms.AssignForm(),
        "resolve_form": errors.get("resolve") or forms.ResolveForm(initial={"release": issue.last_release}),
        "snooze_form": errors.get("snooze") or forms.SnoozeForm(),
        "merge_form": errors.get("merge") or forms.MergeForm(),
        "comment_form": errors.get("comment") or forms.CommentForm(),
        "action_error": errors.get("message"),
    }, status=status)


@page
@require_GET
def issue_detail(request: HttpRequest, issue_id: int) -> HttpResponse:
    return _issue_page(request, issue_selectors.issue_get_for_user(request.user, issue_id))


@page
@require_GET
def issue_event(request: HttpRequest, issue_id: int, event_id: str) -> HttpResponse:
    return _issue_page(request, issue_selectors.issue_get_for_user(request.user, issue_id), event_id)


@page
@require_GET
def issue_event_json(request: HttpRequest, issue_id: int, event_id: str) -> HttpResponse:
    issue = issue_selectors.issue_get_for_user(request.user, issue_id)
    event = _load_event(issue, event_id)
    response = JsonResponse(event, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="event-{event["event_id"]}.json"'
    return response


ACTIONS: dict[str, tuple[type, str]] = {
    "acknowledge": (forms.AssignForm, "assign"), "assign": (forms.AssignForm, "assign"),
    "resolve": (forms.ResolveForm, "resolve"), "snooze": (forms.SnoozeForm, "snooze"),
    "merge": (forms.MergeForm, "merge"), "comment": (forms.CommentForm, "comment"),
}


@page
@require_POST
def issue_action(request: HttpRequest, issue_id: int, action: str) -> HttpResponse:
    issue = issue_selectors.issue_get_for_user(request.user, issue_id)
    if action == "reopen":
        issue_services.issue_reopen(issue=issue, user=request.user)
        messages.success(request, "Reopened.")
        return redirect("issue", issue_id=issue.pk)
    if action not in ACTIONS:
        raise Http404("no such action")
    form_class, slot = ACTIONS[action]
    org_scope = {"organizations": [issue.project.organization]} if form_class is forms.AssignForm else {}
    form = form_class(request.POST, **org_scope)
    if not form.is_valid():
        return _issue_page(request, issue, status=400, errors={slot: form, "message": "Please correct the form."})
    try:
        note = _apply_action(request, issue, action, form.cleaned_data)
    except LifecycleError as exc:
        return _issue_page(request, issue, status=400, errors={slot: form, "message": str(exc)})
    messages.success(request, note)
    return redirect("issue", issue_id=issue.pk)


def _apply_action(request: HttpRequest, issue: Issue, action: str, data: dict[str, Any]) -> str:
    user = request.user
    if action == "acknowledge":
        issue_services.issue_acknowledge(issue=issue, user=user, assignee=data["assignee"], reason=data["reason"])
        return f"Acknowledged; owner {issue.assignee.get_username()}."
    if action == "assign":
        issue_services.issue_assign(issue=issue, user=user, assignee=data["assignee"])
        return f"Assigned to {data['assignee'].get_username()}." if data["assignee"] else "Unassigned."
    if action == "resolve":
        issue_services.issue_resolve(issue=issue, user=user, release=data["release"] or None,
                                     next_release=data["next_release"], reason=data["reason"])
        return f"Resolved in {issue.resolved_in_release}." if issue.resolved_in_release else "Resolved."
    if action == "snooze":
        issue_services.issue_snooze(issue=issue, user=user, reason=data["reason"], until=data.get("until"),
                                    count=data.get("count"))
        return "Snoozed."
    if action == "merge":
        try:
            other = issue_selectors.issue_get_for_user(user, data["other"])
        except Http404:
            raise LifecycleError(f"there is no issue {data['other']} you can see") from None
        if other.pk == issue.pk:
            raise LifecycleError("an issue cannot be merged into itself")
        issue_services.issue_merge(survivor=issue, others=[other], user=user)
        return f"Merged {other.short_code} into this issue."
    issue_services.issue_comment(issue=issue, user=user, text=data["text"])
    return "Comment added."


# --- releases ---------------------------------------------------------------------------


@page
@require_GET
def releases(request: HttpRequest, org: str, project: str) -> HttpResponse:
    proj = selectors.project_get_for_user(request.user, org, project)
    return render(request, "dashboard/releases.html", {"project": proj, "rows": queries.release_rows(proj)})


# --- projects and keys ------------------------------------------------------------------


def _teams_for(user: Any):
    qs = Team.objects.select_related("organization").order_by("organization__slug", "slug")
    return qs if user.is_superuser else qs.filter(members=user)


@page
def projects(request: HttpRequest) -> HttpResponse:
    teams = list(_teams_for(request.user))
    form = forms.ProjectCreateForm(request.POST or None, teams=teams)
    if request.method == "POST":
        if form.is_valid():
            project, _ = dash_services.project_create_for_team(
                team=form.cleaned_data["team"], name=form.cleaned_data["name"],
                platform=form.cleaned_data["platform"])
            messages.success(request, f"Project {project.name} created. Point an SDK at its DSN below.")
            return redirect("project", org=project.organization.slug, project=project.slug)
        status = 400
    else:
        status = 200
    rows = selectors.projects_for_user(request.user).order_by("organization__slug", "slug")
    return render(request, "dashboard/projects.html", {"projects": rows, "form": form}, status=status)


@page
def project_detail(request: HttpRequest, org: str, project: str) -> HttpResponse:
    proj = selectors.project_get_for_user(request.user, org, project)
    settings_form = forms.ProjectSettingsForm(request.POST or None, instance=Project(**{
        f: getattr(proj, f) for f in forms.ProjectSettingsForm.Meta.fields}))
    status = 200
    if request.method == "POST":
        if settings_form.is_valid():
            dash_services.project_settings_update(project=proj, **{
                f: settings_form.cleaned_data[f] for f in forms.ProjectSettingsForm.Meta.fields})
            messages.success(request, "Settings saved.")
            return redirect("project", org=org, project=project)
        status = 400
    keys = list(proj.keys.order_by("-is_active", "id"))
    base = request.build_absolute_uri("/")
    active = next((k for k in keys if k.is_active), None)
    return render(request, "dashboard/project.html", {
        "project": proj, "keys": [(k, k.dsn(base)) for k in keys], "settings_form": settings_form,
        "key_form": forms.KeyCreateForm(),
        "snippets": sdk_snippets(active.dsn(base), base, proj.pk, active.public_key) if active else [],
        "outcomes": queries.project_outcomes(proj, now=timezone.now()), "outcome_days": queries.OUTCOME_DAYS,
    }, status=status)


@page
@require_POST
def project_key_new(request: HttpRequest, org: str, project: str) -> HttpResponse:
    proj = selectors.project_get_for_user(request.user, org, project)
    form = forms.KeyCreateForm(request.POST)
    if form.is_valid():
        project_key_create(project=proj, label=form.cleaned_data["label"])
        messages.success(request, "Key created.")
    else:
        messages.error(request, "A key needs a label.")
    return redirect("project", org=org, project=project)


@page
@require_POST
def project_key_action(request: HttpRequest, org: str, project: str, key_id: int, action: str) -> HttpResponse:
    proj = selectors.project_get_for_user(request.user, org, project)
    key = get_object_or_404(proj.keys, pk=key_id)
    if action == "rotate":
        project_key_rotate(key=key)
        messages.success(request, "Key rotated: the old key is disabled, a new one is active.")
    elif action in ("disable", "enable"):
        project_key_set_active(key=key, active=action == "enable")
        messages.success(request, f"Key {action}d.")
    else:
        raise Http404("no such action")
    return redirect("project", org=org, project=project)


# --- system health ------------------------------------------------------------------------


def _dead_letters_for(user: Any):
    from ingest.models import DeadLetter

    qs = DeadLetter.objects.filter(replayed_at__isnull=True, discarded_at__isnull=True)
    if user.is_superuser:
        return qs
    return qs.filter(project_id__in=list(selectors.projects_for_user(user).values_list("pk", flat=True)))


@page
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    from errorhub.dashboard.system_health import health_context

    return render(request, "dashboard/health.html", health_context(request.user, _dead_letters_for(request.user)))


@page
@require_POST
def dead_letter_action(request: HttpRequest, letter_id: int, action: str) -> HttpResponse:
    from ingest.services import dead_letter_discard, dead_letter_replay

    letter = get_object_or_404(_dead_letters_for(request.user), pk=letter_id)
    if action == "replay":
        dead_letter_replay(dead_letter=letter)
        messages.success(request, f"Dead letter {letter.pk} queued again.")
    elif action == "discard":
        form = forms.DiscardForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Discarding needs a reason.")
            return redirect("health")
        dead_letter_discard(dead_letter=letter, reason=form.cleaned_data["reason"])
        messages.success(request, f"Dead letter {letter.pk} discarded.")
    else:
        raise Http404("no such action")
    return redirect("health")


@page
@require_POST
def dead_letters_replay_all(request: HttpRequest) -> HttpResponse:
    from ingest.services import dead_letter_replay

    letters = list(_dead_letters_for(request.user)[:1000])
    for letter in letters:
        dead_letter_replay(dead_letter=letter)
    messages.success(request, f"{len(letters)} dead letter(s) queued again.")
    return redirect("health")


# --- teams ----------------------------------------------------------------------------------


@page
@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    user = request.user
    orgs = Organization.objects.all() if user.is_superuser else Organization.objects.filter(
        pk__in=list(Team.objects.filter(members=user).values_list("organization_id", flat=True))
        + list(user.owned_organizations.values_list("pk", flat=True)))
    orgs = orgs.prefetch_related("teams__members", "owners").order_by("slug")
    return render(request, "dashboard/teams.html", {
        "orgs": [(org, _is_owner(user, org)) for org in orgs], "add_form": forms.MemberAddForm()})


def _is_owner(user: Any, org: Organization) -> bool:
    return user.is_superuser or org.owners.filter(pk=user.pk).exists()


def _owned_team(request: HttpRequest, team_id: int) -> Team:
    team = get_object_or_404(Team.objects.select_related("organization"), pk=team_id)
    if not _is_owner(request.user, team.organization):
        raise Http404("no such team")
    return team


@page
@require_POST
def team_member_add(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _owned_team(request, team_id)
    form = forms.MemberAddForm(request.POST)
    if form.is_valid():
        dash_services.team_member_add(team=team, user=form.cleaned_data["username"])
        messages.success(request, f"Added {form.cleaned_data['username'].get_username()} to {team.name}.")
    else:
        messages.error(request, "; ".join(form.errors.get("username", ["invalid username"])))
    return redirect("teams")


@page
@require_POST
def team_member_remove(request: HttpRequest, team_id: int, user_id: int) -> HttpResponse:
    team = _owned_team(request, team_id)
    member = get_object_or_404(team.members, pk=user_id)
    dash_services.team_member_remove(team=team, user=member)
    messages.success(request, f"Removed {member.get_username()} from {team.name}.")
    return redirect("teams")


# --- profile and API tokens -------------------------------------------------------------------


@page
def profile(request: HttpRequest) -> HttpResponse:
    prof, _ = UserProfile.objects.get_or_create(user=request.user)
    user_projects = selectors.projects_for_user(request.user)
    initial = {"timezone": prof.timezone, "digest_enabled": prof.digest_enabled, "digest_hour": prof.digest_hour,
               "digest_opt_out_projects": prof.digest_opt_out_projects.all()}
    form = forms.ProfileForm(request.POST or None, initial=initial, projects=user_projects)
    if request.method == "POST":
        if form.is_valid():
            dash_services.user_profile_update(user=request.user, **{
                **form.cleaned_data, "digest_opt_out_projects": list(form.cleaned_data["digest_opt_out_projects"])})
            messages.success(request, "Profile saved.")
            return redirect("profile")
    return _profile_page(request, form, status=400 if request.method == "POST" else 200)


def _profile_page(request: HttpRequest, form: forms.ProfileForm, *, new_token: str | None = None,
                  token_form: forms.TokenCreateForm | None = None, status: int = 200) -> HttpResponse:
    return render(request, "dashboard/profile.html", {
        "form": form, "token_form": token_form or forms.TokenCreateForm(), "new_token": new_token,
        "tokens": ApiToken.objects.filter(user=request.user).order_by("-created_at"),
    }, status=status)


@page
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    prof, _ = UserProfile.objects.get_or_create(user=request.user)
    form = forms.ProfileForm(initial={"timezone": prof.timezone, "digest_enabled": prof.digest_enabled,
                                      "digest_hour": prof.digest_hour},
                             projects=selectors.projects_for_user(request.user))
    token_form = forms.TokenCreateForm(request.POST)
    if not token_form.is_valid():
        return _profile_page(request, form, token_form=token_form, status=400)
    token = api_token_create(user=request.user, label=token_form.cleaned_data["label"],
                             can_write=token_form.cleaned_data["can_write"])
    # rendered (not redirected) so the clear text is shown exactly once and never stored
    response = _profile_page(request, form, new_token=token)
    response["Cache-Control"] = "no-store"
    return response


@page
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if not dash_services.api_token_revoke(user=request.user, token_id=token_id):
        raise Http404("no such token")
    messages.success(request, "Token revoked.")
    return redirect(reverse("profile"))
