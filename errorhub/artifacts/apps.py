from django.apps import AppConfig


class ArtifactsConfig(AppConfig):
    """Uploaded build artifacts: upload chunks, artifact bundles, release files (source maps)."""

    name = "errorhub.artifacts"
    label = "artifacts"
    default_auto_field = "django.db.models.BigAutoField"
