"""A project's cron monitors: ``GET /api/0/projects/<org>/<project>/monitors/``.

One entry per monitor, in Sentry's spirit (``slug``, ``config`` with the schedule) and each
environment's state: status, last check-in, next expected run and the issue failures opened.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errorhub.accounts import selectors
from errorhub.api.auth import TokenScopePermission
from errorhub.monitors.models import Monitor
from errorhub.monitors.selectors import MonitorRow, monitors_of_projects


def _config(monitor: Monitor) -> dict[str, Any]:
    if monitor.schedule_kind == "crontab":
        schedule: dict[str, Any] | None = {"type": "crontab", "value": monitor.crontab}
    elif monitor.schedule_kind == "interval":
        schedule = {"type": "interval", "value": monitor.interval_seconds, "unit": "second"}
    else:
        schedule = None
    return {
        "schedule": schedule,
        "timezone": monitor.timezone,
        "checkin_margin": monitor.checkin_margin,
        "max_runtime": monitor.max_runtime,
    }


def _environment(row: MonitorRow) -> dict[str, Any]:
    return {
        "name": row.environment,
        "status": row.status,
        "lastCheckIn": row.last_checkin_at.isoformat() if row.last_checkin_at else None,
        "nextCheckIn": row.next_expected_at.isoformat() if row.next_expected_at else None,
        "issue": str(row.issue_id) if row.issue_id else None,
    }


def monitors_body(rows: list[MonitorRow]) -> list[dict[str, Any]]:
    """Rows (one per monitor and environment) grouped into one entry per monitor."""
    entries: dict[int, dict[str, Any]] = {}
    for row in rows:
        monitor = row.monitor
        entry = entries.setdefault(
            monitor.pk,
            {
                "id": str(monitor.pk),
                "slug": monitor.slug,
                "config": _config(monitor),
                "environments": [],
                "dateCreated": monitor.created_at.isoformat(),
            },
        )
        entry["environments"].append(_environment(row))
    return list(entries.values())


class ProjectMonitors(APIView):
    permission_classes = [IsAuthenticated, TokenScopePermission]

    def get(self, request: Request, org: str, project: str) -> Response:
        proj = selectors.project_get_for_user(request.user, org, project)
        return Response(monitors_body(monitors_of_projects([proj])))
