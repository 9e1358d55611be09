"""Include under ``api/0/``: ``path("api/0/", include("errorhub.api.alerts_urls"))``."""

from django.urls import path

from errorhub.api.views import alerts as api_views

urlpatterns = [
    path(
        "projects/<slug:org>/<slug:project>/alert-rules/dry-run/",
        api_views.AlertRuleDryRun.as_view(),
        name="api-alert-rules-dry-run",
    ),
]
