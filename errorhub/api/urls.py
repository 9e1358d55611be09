from django.urls import path

from errorhub.api.views import deploys, events, issues, monitors, organizations, projects, releases, root
from errorhub.api.views.feedback import ProjectUserFeedback

_RELEASE = "organizations/<slug:org>/releases/<str:version>/"

urlpatterns = [
    path("", root.ApiRoot.as_view(), name="api-root"),
    path("organizations/", organizations.Organizations.as_view(), name="api-organizations"),
    path("organizations/<slug:org>/", organizations.OrganizationDetail.as_view(), name="api-organization"),
    path("organizations/<slug:org>/projects/", organizations.OrganizationProjects.as_view(), name="api-org-projects"),
    path("organizations/<slug:org>/repos/", organizations.OrganizationRepos.as_view(), name="api-org-repos"),
    path("organizations/<slug:org>/issues/", issues.OrganizationIssues.as_view(), name="api-org-issues"),
    path("organizations/<slug:org>/releases/", releases.OrganizationReleases.as_view(), name="api-org-releases"),
    path(_RELEASE, releases.OrganizationReleaseDetail.as_view(), name="api-org-release"),
    path(_RELEASE + "commits/", releases.ReleaseCommits.as_view(), name="api-release-commits"),
    path(
        _RELEASE + "previous-with-commits/",
        releases.PreviousReleaseWithCommits.as_view(),
        name="api-release-previous-with-commits",
    ),
    path(_RELEASE + "deploys/", deploys.ReleaseDeploys.as_view(), name="api-release-deploys"),
    path("projects/", projects.Projects.as_view(), name="api-projects"),
    path("projects/<slug:org>/<slug:project>/", projects.ProjectDetail.as_view(), name="api-project"),
    path("projects/<slug:org>/<slug:project>/issues/", issues.ProjectIssues.as_view(), name="api-project-issues"),
    path("projects/<slug:org>/<slug:project>/keys/", projects.ProjectKeys.as_view(), name="api-project-keys"),
    path(
        "projects/<slug:org>/<slug:project>/releases/", releases.ProjectReleases.as_view(), name="api-project-releases"
    ),
    path("projects/<slug:org>/<slug:project>/events/", events.ProjectEvents.as_view(), name="api-project-events"),
    path(
        "projects/<slug:org>/<slug:project>/events/<str:event_id>/",
        events.ProjectEvent.as_view(),
        name="api-project-event",
    ),
    path("projects/<slug:org>/<slug:project>/monitors/", monitors.ProjectMonitors.as_view(), name="api-monitors"),
    path(
        "projects/<slug:org>/<slug:project>/user-feedback/",
        ProjectUserFeedback.as_view(),
        name="api-project-user-feedback",
    ),
    path("issues/<str:issue_id>/", issues.IssueDetail.as_view(), name="api-issue"),
    path("issues/<str:issue_id>/events/", events.IssueEvents.as_view(), name="api-issue-events"),
    path("issues/<str:issue_id>/events/latest/", events.IssueLatestEvent.as_view(), name="api-issue-latest"),
    path("issues/<str:issue_id>/comments/", issues.IssueComments.as_view(), name="api-issue-comments"),
    path("issues/<str:issue_id>/merge/", issues.IssueMerge.as_view(), name="api-issue-merge"),
    path("issues/<str:issue_id>/unmerge/", issues.IssueUnmerge.as_view(), name="api-issue-unmerge"),
    path("events/", events.EventSearch.as_view(), name="api-events"),
]
