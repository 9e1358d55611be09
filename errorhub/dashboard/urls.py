"""The triage dashboard: server-rendered pages over selectors and services."""

from django.contrib.auth import views as auth_views
from django.urls import path

from errorhub.accounts.login import ThrottledLoginView
from errorhub.dashboard.views import (
    favicon,
    health,
    inbox,
    invitations,
    issue,
    issue_list,
    members,
    monitors,
    password,
    profile,
    projects,
    releases,
    teams,
)

urlpatterns = [
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", password.PasswordReset.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("", inbox.inbox, name="inbox"),
    path("inbox/bulk/", inbox.inbox_bulk, name="inbox-bulk"),
    path("issues/", issue_list.issue_list, name="issues"),
    path("issues/bulk/", issue_list.issue_list_bulk, name="issues-bulk"),
    path("issues/<int:issue_id>/", issue.issue_detail, name="issue"),
    path("issues/<int:issue_id>/events/<str:event_id>/", issue.issue_event, name="issue-event"),
    path("issues/<int:issue_id>/events/<str:event_id>/json", issue.issue_event_json, name="issue-event-json"),
    path("issues/<int:issue_id>/<slug:action>/", issue.issue_action, name="issue-action"),
    path("projects/", projects.projects, name="projects"),
    path("projects/<slug:org>/<slug:project>/", projects.project_detail, name="project"),
    path("projects/<slug:org>/<slug:project>/keys/", projects.project_key_new, name="project-key-new"),
    path(
        "projects/<slug:org>/<slug:project>/keys/<int:key_id>/<slug:action>/",
        projects.project_key_action,
        name="project-key-action",
    ),
    path("projects/<slug:org>/<slug:project>/releases/", releases.releases, name="releases"),
    path("monitors/", monitors.monitors, name="monitors"),
    path("health/", health.health, name="health"),
    path("health/dead-letters/replay-all/", health.dead_letters_replay_all, name="dead-letters-replay-all"),
    path("health/dead-letters/<int:letter_id>/<slug:action>/", health.dead_letter_action, name="dead-letter-action"),
    path("teams/", teams.teams, name="teams"),
    path("teams/<int:team_id>/members/", teams.team_member_add, name="team-member-add"),
    path("teams/<int:team_id>/members/<int:user_id>/remove/", teams.team_member_remove, name="team-member-remove"),
    path("favicon.ico", favicon.favicon_ico, name="favicon-ico"),
    path("favicon.svg", favicon.favicon_badge, name="favicon-badge"),
    path("profile/", profile.profile, name="profile"),
    path("profile/tokens/", profile.token_create, name="token-create"),
    path("profile/password/", password.PasswordChange.as_view(), name="password_change"),
    path("orgs/<slug:org>/members/", members.members, name="members"),
    path("orgs/<slug:org>/members/<int:user_id>/role/", members.member_role, name="member-role"),
    path("orgs/<slug:org>/members/<int:user_id>/remove/", members.member_remove, name="member-remove"),
    path("orgs/<slug:org>/invitations/", invitations.invitations, name="invitations"),
    path(
        "orgs/<slug:org>/invitations/<int:invitation_id>/resend/",
        invitations.invitation_resend,
        name="invitation-resend",
    ),
    path(
        "orgs/<slug:org>/invitations/<int:invitation_id>/revoke/",
        invitations.invitation_revoke,
        name="invitation-revoke",
    ),
    path("invitations/<str:token>/", invitations.invitation_accept, name="invitation-accept"),
    path("profile/tokens/<int:token_id>/revoke/", profile.token_revoke, name="token-revoke"),
]
