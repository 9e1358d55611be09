from django.apps import AppConfig


class ErrorHubConfig(AppConfig):
    name = "errorhub"
    verbose_name = "ErrorHub"

    def ready(self) -> None:
        # The Celery app must exist before any task is sent, so that shared tasks
        # bind to it rather than to Celery's default app (see errorhub/__init__.py).
        import errorhub.celery  # noqa: F401  # start-up: kept out of errorhub/__init__ (gunicorn master)
