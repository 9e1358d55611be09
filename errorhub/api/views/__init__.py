"""REST API views, one module per resource: issues, events, projects, user feedback, alerts.

Thin: validate, call one service or selector, serialise (``errorhub.api.serializers``)."""
