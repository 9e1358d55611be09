"""Where e-mail goes, said plainly on the pages that send it (invitations, password reset).

The embedded default prints mail to the web process's console until ``EMAIL_HOST`` is set; a
person inviting a colleague or resetting a password must be told, not left waiting for a message.
"""

from __future__ import annotations

from django.conf import settings

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
SMTP_SETTINGS = (
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
)


def mail_notice() -> dict[str, object] | None:
    """None when mail is sent by SMTP; otherwise where it goes and the settings that send it."""
    backend = settings.EMAIL_BACKEND
    if backend == SMTP_BACKEND:
        return None
    where = (
        "printed to the console (the log of the ErrorHub web process)"
        if backend == CONSOLE_BACKEND
        else f"kept by {backend.rsplit('.', 2)[-2]} and not sent"
    )
    return {"where": where, "settings": SMTP_SETTINGS}
