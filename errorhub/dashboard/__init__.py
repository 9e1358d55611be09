"""The triage dashboard: server-rendered pages over selectors and services."""
