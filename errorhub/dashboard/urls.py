"""The triage dashboard: server-rendered pages over selectors and services."""
from django.contrib.auth import views as auth_views
from django.urls import path

from errorhub.dashboard.views import issue as views
from errorhub.accounts.login import ThrottledLoginView

urlpatterns = [
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("", views.inbox, name="inbox"),
    path("inbox/bulk/", views.inbox_bulk, name="inbox-bulk"),
    path("issues/", views.issue_list, name="issues"),
    path("issues/<int:issue_id>/", views.issue_detail, name="issue"),
    path("issues/<int:issue_id>/events/<str:event_id>/", views.issue_event, name="issue-event"),
    path("issues/<int:issue_id>/events/<str:event_id>/json", views.issue_event_json, name="issue-event-json"),
    path("issues/<int:issue_id>/<slug:action>/", views.issue_action, name="issue-action"),
    path("projects/", views.projects, name="projects"),
    path("projects/<slug:org>/<slug:project>/", views.project_detail, name="project"),
    path("projects/<slug:org>/<slug:project>/keys/", views.project_key_new, name="project-key-new"),
    path("projects/<slug:org>/<slug:project>/keys/<int:key_id>/<slug:action>/", views.project_key_action,
         name="project-key-action"),
    path("projects/<slug:org>/<slug:project>/releases/", views.releases, name="releases"),
    path("health/", views.health, name="health"),
    path("health/dead-letters/replay-all/", views.dead_letters_replay_all, name="dead-letters-replay-all"),
    path("health/dead-letters/<int:letter_id>/<slug:action>/", views.dead_letter_action, name="dead-letter-action"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:team_id>/members/", views.team_member_add, name="team-member-add"),
    path("teams/<int:team_id>/members/<int:user_id>/remove/", views.team_member_remove, name="team-member-remove"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_create, name="token-create"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
