"""WSGI entry point: ``gunicorn errorhub.wsgi:application``.

The Sentry ingest endpoints take their own short path (``ingest.wsgi_path``);
everything else is Django's full request cycle.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errorhub.settings")
django_application = get_wsgi_application()

from ingest.wsgi_path import IngestWSGIPath  # noqa: E402 (needs the settings configured above)

application = IngestWSGIPath(django_application)
