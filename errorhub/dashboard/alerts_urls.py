"""The Alerts pages, included under ``alerts/`` in ``errorhub/urls.py``."""

from django.urls import path

from errorhub.dashboard.views import alerts as views

urlpatterns = [
    path("", views.rule_list, name="alert-rules"),
    path("rules/new/", views.rule_new, name="alert-rule-new"),
    path("rules/preview/", views.rule_preview_fragment, name="alert-rule-preview"),
    path("rules/<int:rule_id>/", views.rule_detail, name="alert-rule"),
    path("rules/<int:rule_id>/<slug:action>/", views.rule_action, name="alert-rule-action"),
    path("channels/", views.channel_list, name="alert-channels"),
    path("channels/new/", views.channel_new, name="alert-channel-new"),
    path("channels/<int:channel_id>/", views.channel_detail, name="alert-channel"),
    path("channels/<int:channel_id>/<slug:action>/", views.channel_action, name="alert-channel-action"),
    path("deliveries/", views.delivery_list, name="alert-deliveries"),
    path("dry-run/", views.dry_run, name="alert-dry-run"),
]
