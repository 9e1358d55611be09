"""Storm benchmark: ErrorHub against its nearest self-hosted peer (Bugsink), side by side.

``python -m bench.storm.run`` starts each target in turn on loopback, drives it with
the real ``sentry_sdk`` (or replays captured envelopes), and measures accepted/s,
processed/s, idle capture-to-stored latency, peak RSS and lost/duplicated events.
"""
