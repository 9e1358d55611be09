#!/bin/sh
# Container entrypoint: optionally apply migrations, then become the command
# (gunicorn, celery worker, celery beat, manage.py ...) so it gets the signals.
# Set ERRORHUB_MIGRATE=1 on exactly one service (web in compose.yml) so two
# containers never migrate at once.
set -eu

if [ "${ERRORHUB_MIGRATE:-0}" = "1" ]; then
    python /app/manage.py migrate --noinput
fi

exec "$@"
