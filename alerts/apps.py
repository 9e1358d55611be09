from django.apps import AppConfig

from errorhub.issues.signals import issue_changes_recorded


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        """Connect alerts to the domain below it: the Issue save hooks that keep Slack
        messages in step (``alerts.signals``), and the alert-rule evaluation of each
        processed batch (the digest step sends ``issue_changes_recorded``; it may not
        import alerts)."""
        # start-up: these import models, which load after apps.py; ready() is the first point they can
        from alerts import evaluation, signals  # noqa: F401  # start-up: see above

        issue_changes_recorded.connect(evaluation.evaluate_recorded_changes, dispatch_uid="alerts.evaluate_changes")
