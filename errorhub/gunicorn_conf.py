"""gunicorn settings shared by ``make run`` (Procfile), the Docker image and the benchmarks.

    gunicorn -c python:errorhub.gunicorn_conf --bind 127.0.0.1:8000

Threaded workers (``gthread``, 4 threads, keep-alive) by default. Measured on the
storm benchmark (2 cores, load generator on the same machine, 8,000 events,
``bench/results/``): on the production stack they accepted ~970 envelopes/s
where single-threaded ``sync`` workers took ~660/s — each ingest request waits
on a Redis round trip, and threads fill that wait; on the embedded default the
two were even (~1,000/s). Note that gunicorn turns ``sync`` into ``gthread``
whenever ``threads`` > 1, so ``ERRORHUB_WEB_WORKER_CLASS=sync`` also sets one thread.
"""

import os

wsgi_app = "errorhub.wsgi:application"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("ERRORHUB_WEB_WORKER_CLASS", "gthread")
threads = int(os.environ.get("ERRORHUB_WEB_THREADS", "4")) if worker_class == "gthread" else 1
keepalive = int(os.environ.get("ERRORHUB_WEB_KEEPALIVE", "5"))  # gthread only
timeout = int(os.environ.get("ERRORHUB_WEB_TIMEOUT", "60"))
# one line per request on stdout, unless turned off (ERRORHUB_ACCESS_LOG=0)
accesslog = "-" if os.environ.get("ERRORHUB_ACCESS_LOG", "1").lower() not in ("0", "false", "no") else None
