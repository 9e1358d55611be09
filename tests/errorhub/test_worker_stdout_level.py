"""What a task prints (the console mail backend's mail, on an install without SMTP) is logged as
output at INFO, not as a WARNING a reader of the worker's log would chase."""

from __future__ import annotations

from errorhub.celery import app


def test_redirected_stdout_is_info() -> None:
    assert app.conf.worker_redirect_stdouts_level == "INFO"
