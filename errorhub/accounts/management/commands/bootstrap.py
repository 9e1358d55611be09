"""``manage.py bootstrap``: the demo organisation, project and admin login, once."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from errorhub.accounts.services import project_create


class Command(BaseCommand):
    help = "Create a demo organisation/team/project and an admin login if none exist; print login and DSN."

    def handle(self, *args: Any, **opts: Any) -> None:
        User = get_user_model()
        password_file = settings.DATA_DIR / "admin_password"
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", "admin@localhost", password)
            password_file.write_text(password)
            password_file.chmod(0o600)
        created = project_create(org_name="demo", name="demo", team_name="demo")
        admin = User.objects.filter(is_superuser=True).order_by("id").first()
        created.project.teams.first().members.add(admin)
        password = password_file.read_text() if password_file.exists() else "(set earlier; see createsuperuser)"
        self.stdout.write(
            f"\nErrorHub is starting at {settings.BASE_URL}/\n"
            f"  login:    {admin.get_username()} / {password}\n"
            f"  DSN:      {created.key.dsn()}\n"
        )
