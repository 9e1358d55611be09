from django.urls import path

from alerts.integrations.slack import views as slack_views

urlpatterns = [
    path("interactions/", slack_views.interactions, name="slack-interactions"),
    path("commands/", slack_views.commands, name="slack-commands"),
    path("digest/unsubscribe/<str:token>/", slack_views.unsubscribe, name="alerts-digest-unsubscribe"),
]
