'use strict';
// ErrorHub test client: sends real events with the official @sentry/node SDK.
//
// Usage: SENTRY_DSN=http://key@127.0.0.1:PORT/1 ERRORHUB_RUN_ID=abc node send_events.js [crash]
// Prints `event_id=<32 hex>` (one per line) for each event the SDK sends.

const Sentry = require('@sentry/node');

const dsn = process.env.SENTRY_DSN;
if (!dsn) {
  console.error('SENTRY_DSN must be set');
  process.exit(2);
}
const runId = process.env.ERRORHUB_RUN_ID || 'local';
const crash = process.argv[2] === 'crash';

Sentry.init({
  dsn,
  release: 'errorhub-test@1.0.0-node',
  environment: 'ci',
  // No tracesSampleRate: tracing stays off, no transactions are sent.
  sendDefaultPii: false,
  beforeSend(event) {
    // stdout is synchronous for files and pipes on Linux, so this survives process.exit().
    process.stdout.write(`event_id=${event.event_id}\n`);
    return event;
  },
});

Sentry.setUser({ id: '42', email: 'user42@example.com' });
Sentry.setTag('lang', 'javascript');
Sentry.setTag('run_id', runId);
Sentry.addBreadcrumb({ category: 'cart', message: 'cart loaded with 3 items', level: 'info' });
Sentry.addBreadcrumb({ category: 'checkout', message: 'payment form submitted', level: 'info' });

function reserveStock(sku) {
  throw new TypeError(`no stock left for sku ${sku}`);
}

function processOrder(orderId) {
  try {
    reserveStock('SKU-1');
  } catch (cause) {
    // linkedErrorsIntegration (default) sends `cause` as a chained exception.
    throw new Error(`could not process order ${orderId}`, { cause });
  }
}

function crashOrder(orderId) {
  throw new Error(`unhandled crash while processing order ${orderId}`);
}

async function main() {
  if (crash) {
    // onUncaughtExceptionIntegration (default) captures this, flushes and exits with code 1.
    setTimeout(() => crashOrder(7), 0);
    return;
  }
  try {
    processOrder(1001);
  } catch (err) {
    Sentry.captureException(err);
  }
  Sentry.captureMessage('checkout slow', 'warning');
  const ok = await Sentry.close(5000);
  if (!ok) {
    console.error('flush timed out');
  }
  process.exitCode = 0;
}

main();
