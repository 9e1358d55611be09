"""Sentry's JSON shapes for organisations, projects, releases, commits and deploys, where
sentry-cli and common scripts read them (ids as strings, camelCase dates)."""

from __future__ import annotations

from typing import Any

from errorhub.accounts.models import Organization, Project
from errorhub.issues.models import Deploy, ReleaseCommit
from errorhub.issues.selectors import ReleaseView


def organization_json(org: Organization) -> dict[str, Any]:
    return {
        "id": str(org.pk),
        "slug": org.slug,
        "name": org.name,
        "dateCreated": org.created_at,
        "isEarlyAdopter": False,
        "require2FA": False,
        "requireEmailVerification": False,
        "features": [],
        "status": {"id": "active", "name": "active"},
        "links": {"organizationUrl": "", "regionUrl": ""},
    }


def _team_json(team: Any) -> dict[str, Any]:
    return {"id": str(team.pk), "slug": team.slug, "name": team.name}


def project_json(project: Project) -> dict[str, Any]:
    teams = [_team_json(team) for team in project.teams.all()]
    return {
        "id": str(project.pk),
        "slug": project.slug,
        "name": project.name,
        "platform": project.platform or None,
        "dateCreated": project.created_at,
        "isMember": True,
        "hasAccess": True,
        "status": "active",
        "team": teams[0] if teams else None,
        "teams": teams,
        "organization": {
            "id": str(project.organization_id),
            "slug": project.organization.slug,
            "name": project.organization.name,
        },
    }


def commit_json(commit: ReleaseCommit) -> dict[str, Any]:
    return {
        "id": commit.sha,
        "message": commit.message or None,
        "dateCreated": commit.timestamp,
        "repository": {"name": commit.repository} if commit.repository else None,
        "author": {"name": commit.author_name, "email": commit.author_email} if commit.author_email else None,
    }


def deploy_json(deploy: Deploy) -> dict[str, Any]:
    return {
        "id": str(deploy.pk),
        "environment": deploy.environment,
        "name": deploy.name or None,
        "url": deploy.url or None,
        "dateStarted": deploy.date_started,
        "dateFinished": deploy.date_finished,
    }


def release_json(view: ReleaseView) -> dict[str, Any]:
    projects = [
        {
            "id": str(row.project_id),
            "slug": row.project.slug,
            "name": row.project.name,
            "platform": row.project.platform or None,
            "platforms": [row.project.platform] if row.project.platform else [],
            "newGroups": view.new_issues.get(row.project_id, 0),
        }
        for row in view.rows
    ]
    return {
        "version": view.version,
        "shortVersion": view.version,
        "ref": None,
        "url": view.url or None,
        "dateCreated": view.date_created,
        "dateReleased": view.date_released,
        "dateStarted": None,
        "lastEvent": view.last_event,
        "firstEvent": None,
        "newGroups": sum(view.new_issues.values()),
        "projects": projects,
        "status": "open",
        "data": {},
        "authors": [],
        "commitCount": view.commit_count,
        "lastCommit": commit_json(view.last_commit) if view.last_commit else None,
        "deployCount": view.deploy_count,
        "lastDeploy": deploy_json(view.last_deploy) if view.last_deploy else None,
    }
