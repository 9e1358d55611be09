from django.apps import AppConfig


class ErrorHubConfig(AppConfig):
    name = "errorhub"
    verbose_name = "ErrorHub"
