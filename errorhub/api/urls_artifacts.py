"""Artifact uploads (sentry-cli's chunk upload, artifact bundles, legacy release files), under ``api/0/``."""

from django.urls import path

from errorhub.api.views import artifacts

urlpatterns = [
    path("organizations/<slug:org>/chunk-upload/", artifacts.ChunkUpload.as_view(), name="api-chunk-upload"),
    path(
        "organizations/<slug:org>/artifactbundle/assemble/",
        artifacts.ArtifactBundleAssemble.as_view(),
        name="api-artifactbundle-assemble",
    ),
    path(
        "organizations/<slug:org>/releases/<str:version>/files/",
        artifacts.OrganizationReleaseFiles.as_view(),
        name="api-org-release-files",
    ),
    path(
        "projects/<slug:org>/<slug:project>/files/artifact-bundles/",
        artifacts.ProjectArtifactBundles.as_view(),
        name="api-project-artifact-bundles",
    ),
    path(
        "projects/<slug:org>/<slug:project>/releases/<str:version>/files/",
        artifacts.ProjectReleaseFiles.as_view(),
        name="api-project-release-files",
    ),
]
