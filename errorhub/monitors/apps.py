from django.apps import AppConfig


class MonitorsConfig(AppConfig):
    name = "errorhub.monitors"
    label = "monitors"
    verbose_name = "Cron monitors"
