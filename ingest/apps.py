from django.apps import AppConfig

from errorhub.events.signals import outbox_documents_rejected


class IngestConfig(AppConfig):
    name = "ingest"
    verbose_name = "Ingest"

    def ready(self) -> None:
        """Connect ingest to the layers below it and to the metrics: documents the search
        engine refused for good become dead letters (the events app's outbox drain may not
        import ingest), and ``/metrics`` reads ingest's state through a registered
        collector (``errorhub.metrics`` is infrastructure and imports no app)."""
        from ingest import deadletters, state  # start-up: they import models, which load after apps.py

        outbox_documents_rejected.connect(deadletters.keep_rejected_documents, dispatch_uid="ingest.keep_rejected")
        state.register()
