"""Writes of the core domain: every model change goes through a function here."""
