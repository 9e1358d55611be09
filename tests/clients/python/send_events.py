#!/usr/bin/env python3
"""ErrorHub test client: sends real events with the official ``sentry-sdk`` package.

Usage::

    SENTRY_DSN=http://key@127.0.0.1:PORT/1 ERRORHUB_RUN_ID=abc python send_events.py [crash]

Normal mode sends a handled exception with a chained cause and a warning message, flushes
and exits 0. ``crash`` mode raises at top level: the SDK's default excepthook integration
captures it and the atexit integration flushes before the interpreter exits with status 1.
Prints ``event_id=<32 hex>`` (one per line) for each event the SDK sends.
"""

import os
import sys

import sentry_sdk


class OutOfStockError(Exception):
    pass


class OrderProcessingError(Exception):
    pass


def reserve_stock(sku):
    raise OutOfStockError(f"no stock left for sku {sku}")


def process_order(order_id):
    try:
        reserve_stock("SKU-1")
    except OutOfStockError as exc:
        raise OrderProcessingError(f"could not process order {order_id}") from exc


def crash_order(order_id):
    raise RuntimeError(f"unhandled crash while processing order {order_id}")


def _print_event_id(event, hint):
    print(f"event_id={event['event_id']}", flush=True)
    return event


def main(argv):
    dsn = os.environ.get("SENTRY_DSN")
    if not dsn:
        print("SENTRY_DSN must be set", file=sys.stderr)
        return 2
    run_id = os.environ.get("ERRORHUB_RUN_ID", "local")
    crash = len(argv) > 1 and argv[1] == "crash"

    sentry_sdk.init(
        dsn=dsn,
        release="errorhub-test@1.0.0-python",
        environment="ci",
        traces_sample_rate=None,  # tracing off: no transactions
        shutdown_timeout=5,
        before_send=_print_event_id,
    )
    sentry_sdk.set_user({"id": "42", "email": "user42@example.com"})
    sentry_sdk.set_tag("lang", "python")
    sentry_sdk.set_tag("run_id", run_id)
    sentry_sdk.add_breadcrumb(category="cart", message="cart loaded with 3 items", level="info")
    sentry_sdk.add_breadcrumb(category="checkout", message="payment form submitted", level="info")

    if crash:
        crash_order(7)  # uncaught: sys.excepthook -> ExcepthookIntegration, atexit flush
        return 0

    try:
        process_order(1001)
    except OrderProcessingError as exc:
        sentry_sdk.capture_exception(exc)
    sentry_sdk.capture_message("checkout slow", level="warning")
    sentry_sdk.flush(timeout=5)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
