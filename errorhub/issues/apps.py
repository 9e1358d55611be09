from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "errorhub.issues"
    label = "issues"
    verbose_name = "Issues"
