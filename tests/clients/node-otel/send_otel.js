'use strict';
// ErrorHub test client: sends real OTLP/HTTP telemetry with the official OpenTelemetry JS SDK.
//
// Usage: OTEL_ENDPOINT=http://127.0.0.1:PORT ERRORHUB_DSN_KEY=<public key> node send_otel.js
//
// Logs go through @opentelemetry/exporter-logs-otlp-http (OTLP/JSON) to $OTEL_ENDPOINT/v1/logs,
// spans through @opentelemetry/exporter-trace-otlp-proto (OTLP/protobuf) to $OTEL_ENDPOINT/v1/traces,
// both with `Authorization: DSN <key>`. One trace holds everything:
//
//   SERVER span "GET /api/orders/:id"  http.response.status_code=503, no exception
//     └─ span "charge card"            span.recordException(TypeError from chargeCard()), status ERROR
//          └─ log record ERROR         exception.type / exception.message / exception.stacktrace
//
// Prints `trace_id=<32 hex>` and exits 0 once both providers flushed; exits 1 when an export failed.

const { context, trace, SpanKind, SpanStatusCode } = require('@opentelemetry/api');
const { SeverityNumber } = require('@opentelemetry/api-logs');
const { defaultResource, resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http');
const {
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  SEMRESATTRS_DEPLOYMENT_ENVIRONMENT,
  ATTR_EXCEPTION_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} = require('@opentelemetry/semantic-conventions');

const endpoint = (process.env.OTEL_ENDPOINT || '').replace(/\/+$/, '');
const dsnKey = process.env.ERRORHUB_DSN_KEY;
if (!endpoint || !dsnKey) {
  console.error('OTEL_ENDPOINT (base URL) and ERRORHUB_DSN_KEY (public DSN key) must be set');
  process.exit(2);
}
const headers = { Authorization: `DSN ${dsnKey}` };

// defaultResource() carries telemetry.sdk.{name,language,version} (what NodeSDK would add).
const resource = defaultResource().merge(resourceFromAttributes({
  [ATTR_SERVICE_NAME]: 'node-otel-test',
  [ATTR_SERVICE_VERSION]: '1.2.3',
  [SEMRESATTRS_DEPLOYMENT_ENVIRONMENT]: 'ci', // "deployment.environment"
}));

// Export results are reported through the SDK's diagnostics only; remember failures so the
// process exit status says whether ErrorHub accepted everything.
let exportFailures = 0;
function checked(exporter, what) {
  const exportBatch = exporter.export.bind(exporter);
  exporter.export = (items, done) => exportBatch(items, (result) => {
    if (result.code !== 0) {
      exportFailures += 1;
      console.error(`${what} export failed: ${result.error && result.error.message}`);
    }
    done(result);
  });
  return exporter;
}

// Batch processors: forceFlush() exports what is queued and waits for the answers (the Simple
// log processor's forceFlush does not wait for in-flight exports).
const tracerProvider = new BasicTracerProvider({
  resource,
  spanProcessors: [new BatchSpanProcessor(checked(
    new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, headers, timeoutMillis: 10000 }), 'span'))],
});
const loggerProvider = new LoggerProvider({
  resource,
  processors: [new BatchLogRecordProcessor({
    exporter: checked(new OTLPLogExporter({ url: `${endpoint}/v1/logs`, headers, timeoutMillis: 10000 }), 'log'),
  })],
});

const tracer = tracerProvider.getTracer('errorhub.node-otel.shop', '1.0.0');
const logger = loggerProvider.getLogger('errorhub.node-otel.payments', '1.0.0');

function chargeCard(order) {
  // A real TypeError thrown by the runtime: reading a property of undefined.
  return order.card.number.slice(-4);
}

function main() {
  const server = tracer.startSpan('GET /api/orders/:id', {
    kind: SpanKind.SERVER,
    attributes: {
      [ATTR_HTTP_REQUEST_METHOD]: 'GET',
      [ATTR_HTTP_ROUTE]: '/api/orders/:id',
      [ATTR_URL_PATH]: '/api/orders/1042',
    },
  });
  const serverCtx = trace.setSpan(context.active(), server);
  const traceId = server.spanContext().traceId;

  const charge = tracer.startSpan('charge card', { kind: SpanKind.INTERNAL }, serverCtx);
  const chargeCtx = trace.setSpan(serverCtx, charge);
  try {
    chargeCard({ id: 1042 });
  } catch (err) {
    charge.recordException(err);
    charge.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    logger.emit({
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      body: 'payment failed for order 1042',
      context: chargeCtx,
      attributes: {
        [ATTR_EXCEPTION_TYPE]: err.name,
        [ATTR_EXCEPTION_MESSAGE]: err.message,
        [ATTR_EXCEPTION_STACKTRACE]: err.stack,
        'order.id': 1042,
      },
    });
  }
  charge.end();

  // The request ends with 503 and no exception: ErrorHub's 5xx rule makes it an event.
  server.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, 503);
  server.setStatus({ code: SpanStatusCode.ERROR });
  server.end();
  return traceId;
}

async function run() {
  const traceId = main();
  await Promise.all([tracerProvider.forceFlush(), loggerProvider.forceFlush()]);
  await Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown()]);
  process.stdout.write(`trace_id=${traceId}\n`);
  process.exitCode = exportFailures ? 1 : 0;
}

run().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
