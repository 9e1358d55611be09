from django.urls import path

from errorhub.api.views import issues as views
from errorhub.api.views.feedback import ProjectUserFeedback

urlpatterns = [
    path("organizations/<slug:org>/issues/", views.OrganizationIssues.as_view(), name="api-org-issues"),
    path("projects/", views.Projects.as_view(), name="api-projects"),
    path("projects/<slug:org>/<slug:project>/", views.ProjectDetail.as_view(), name="api-project"),
    path("projects/<slug:org>/<slug:project>/issues/", views.ProjectIssues.as_view(), name="api-project-issues"),
    path("projects/<slug:org>/<slug:project>/keys/", views.ProjectKeys.as_view(), name="api-project-keys"),
    path("projects/<slug:org>/<slug:project>/events/<str:event_id>/", views.ProjectEvent.as_view(),
         name="api-project-event"),
    path("projects/<slug:org>/<slug:project>/user-feedback/", ProjectUserFeedback.as_view(),
         name="api-project-user-feedback"),
    path("issues/<str:issue_id>/", views.IssueDetail.as_view(), name="api-issue"),
    path("issues/<str:issue_id>/events/", views.IssueEvents.as_view(), name="api-issue-events"),
    path("issues/<str:issue_id>/events/latest/", views.IssueLatestEvent.as_view(), name="api-issue-latest"),
    path("issues/<str:issue_id>/comments/", views.IssueComments.as_view(), name="api-issue-comments"),
    path("issues/<str:issue_id>/merge/", views.IssueMerge.as_view(), name="api-issue-merge"),
    path("issues/<str:issue_id>/unmerge/", views.IssueUnmerge.as_view(), name="api-issue-unmerge"),
    path("events/", views.EventSearch.as_view(), name="api-events"),
]
