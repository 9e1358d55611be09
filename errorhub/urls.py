"""URL map: ingest doors, health, REST API, dashboard, admin."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from errorhub import health, metrics
from errorhub.api.views.root import api_not_found
from ingest import log_views, otlp_views
from ingest import views as ingest_views


@csrf_exempt
def api_schema(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The OpenAPI schema. drf-spectacular (~5 MiB per process) loads on the first request
    for it, not in every web process at start."""
    from drf_spectacular.views import SpectacularAPIView

    return SpectacularAPIView.as_view()(request, *args, **kwargs)


urlpatterns = [
    path("api/<int:project_id>/envelope/", ingest_views.envelope_view, name="ingest-envelope"),
    path("api/<int:project_id>/store/", ingest_views.store_view, name="ingest-store"),
    path("api/<int:project_id>/security/", ingest_views.security_view, name="ingest-security"),
    path("api/<int:project_id>/logs/", log_views.logs_view, name="ingest-logs"),
    path("v1/logs", otlp_views.logs_view, name="otlp-logs"),
    path("v1/traces", otlp_views.traces_view, name="otlp-traces"),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("readyz", health.readyz, name="readyz"),
    path("api/0/", include("errorhub.api.urls")),
    path("api/0/", include("errorhub.api.alerts_urls")),
    path("api/0/", include("errorhub.api.urls_artifacts")),
    re_path(r"^api/0/", api_not_found, name="api-not-found"),  # after every API route: a JSON 404
    path("api/schema/", api_schema, name="api-schema"),
    path("admin/", admin.site.urls),
    path("slack/", include("alerts.integrations.slack.urls")),
    path("alerts/", include("errorhub.dashboard.alerts_urls")),
    path("", include("errorhub.dashboard.urls")),
]
