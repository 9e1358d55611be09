"""Pure Python, no Django: what ErrorHub reads off the wire and the rules it applies to it.

Parsers and rules here are importable (and fuzzable) without settings; the Django
parts of ``ingest`` and the rest of ErrorHub build on them, never the other way.
"""
