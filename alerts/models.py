"""Alert rules, channels and the delivery log (see alerts/services.py)."""
