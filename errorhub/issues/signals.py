"""Signals of the issues app, for the layers above it (alerts) to connect to.

``issue_changes_recorded`` — sent by ``events_record`` at the end of a batch's
transaction (receivers write with the batch: a kill after the commit loses nothing),
synchronously, with ``project`` and ``changes`` (``{issue id: IssueChange}``: new,
regressed, snooze ended, event count, a sample event). The digest step must not
import ``alerts``; ``AlertsConfig.ready`` connects the alert-rule evaluation here.
Sent with ``send``, not ``send_robust``: a receiver's exception propagates to the
caller (the alert evaluation itself never raises; it logs and counts).
"""

from __future__ import annotations

from django.dispatch import Signal

issue_changes_recorded = Signal()
