"""Signals of the events app, for the layers above it to connect to.

``outbox_documents_rejected`` — sent by the outbox drain with ``rows`` (the
``IndexOutbox`` rows the search engine refused for good) and ``reasons`` (the
engine's reason per ``"<project id>:<event id>"``), before the rows are deleted.
Dead letters are ingest's: ``IngestConfig.ready`` connects the receiver that keeps
each refused document as one. A receiver's exception propagates and the rows stay.
"""

from __future__ import annotations

from django.dispatch import Signal

outbox_documents_rejected = Signal()
