"""gunicorn settings shared by ``make run`` (Procfile), the Docker image and the benchmarks.

    gunicorn -c python:errorhub.gunicorn_conf --bind 127.0.0.1:8000

Measured on the storm benchmark (2 cores, load generator on the same machine,
``bench/results/``): sync workers accepted ~1,000 envelopes/s where threaded
workers with keep-alive (``gthread``) took ~740/s — ingest requests are short
and CPU-bound, so threads only add GIL hand-offs. ``gthread`` stays one
variable away for deployments whose SDKs reach gunicorn directly over slow
links (keep-alive saves their TCP/TLS set-up); behind a reverse proxy, keep sync.
"""

import os

wsgi_app = "errorhub.wsgi:application"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("ERRORHUB_WEB_WORKER_CLASS", "sync")
threads = int(os.environ.get("ERRORHUB_WEB_THREADS", "4"))  # gthread only
keepalive = int(os.environ.get("ERRORHUB_WEB_KEEPALIVE", "5"))  # gthread only
timeout = int(os.environ.get("ERRORHUB_WEB_TIMEOUT", "60"))
# one line per request on stdout, unless turned off (ERRORHUB_ACCESS_LOG=0)
accesslog = "-" if os.environ.get("ERRORHUB_ACCESS_LOG", "1").lower() not in ("0", "false", "no") else None
