"""WSGI entry point: ``gunicorn errorhub.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errorhub.settings")
application = get_wsgi_application()
