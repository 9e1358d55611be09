package errorhub;

import io.sentry.Breadcrumb;
import io.sentry.Sentry;
import io.sentry.SentryLevel;
import io.sentry.protocol.User;

/**
 * ErrorHub test client: sends real events with the official io.sentry:sentry SDK.
 *
 * <p>Usage: {@code SENTRY_DSN=http://key@127.0.0.1:PORT/1 ERRORHUB_RUN_ID=abc java -jar
 * target/send-events.jar [crash]}. Prints {@code event_id=<32 hex>} for each event the SDK sends.
 */
public final class Main {

  /** The root cause. */
  static final class OutOfStockException extends Exception {
    OutOfStockException(String message) {
      super(message);
    }
  }

  /** Wraps the root cause. */
  static final class OrderProcessingException extends RuntimeException {
    OrderProcessingException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private Main() {}

  static void reserveStock(String sku) throws OutOfStockException {
    throw new OutOfStockException("no stock left for sku " + sku);
  }

  static void processOrder(int orderId) {
    try {
      reserveStock("SKU-1");
    } catch (OutOfStockException e) {
      throw new OrderProcessingException("could not process order " + orderId, e);
    }
  }

  static void crashOrder(int orderId) {
    throw new IllegalStateException("unhandled crash while processing order " + orderId);
  }

  private static Breadcrumb crumb(String category, String message) {
    Breadcrumb b = new Breadcrumb();
    b.setCategory(category);
    b.setMessage(message);
    b.setLevel(SentryLevel.INFO);
    return b;
  }

  public static void main(String[] args) {
    String dsn = System.getenv("SENTRY_DSN");
    if (dsn == null || dsn.isEmpty()) {
      System.err.println("SENTRY_DSN must be set");
      System.exit(2);
    }
    String runId = System.getenv().getOrDefault("ERRORHUB_RUN_ID", "local");
    boolean crash = args.length > 0 && "crash".equals(args[0]);

    Sentry.init(
        options -> {
          options.setDsn(dsn);
          options.setRelease("errorhub-test@1.0.0-java");
          options.setEnvironment("ci");
          options.setTracesSampleRate(null); // tracing off
          options.addInAppInclude("errorhub");
          options.setFlushTimeoutMillis(5000);
          options.setShutdownTimeoutMillis(5000);
          // UncaughtExceptionHandlerIntegration is on by default (enableUncaughtExceptionHandler).
          options.setBeforeSend(
              (event, hint) -> {
                System.out.println("event_id=" + event.getEventId());
                System.out.flush();
                return event;
              });
        });

    User user = new User();
    user.setId("42");
    user.setEmail("user42@example.com");
    Sentry.setUser(user);
    Sentry.setTag("lang", "java");
    Sentry.setTag("run_id", runId);
    Sentry.addBreadcrumb(crumb("cart", "cart loaded with 3 items"));
    Sentry.addBreadcrumb(crumb("checkout", "payment form submitted"));

    if (crash) {
      // Uncaught: the SDK's default uncaught-exception handler captures it and flushes
      // before the JVM prints the trace and exits with status 1.
      crashOrder(7);
      return;
    }

    try {
      processOrder(1001);
    } catch (OrderProcessingException e) {
      Sentry.captureException(e);
    }
    Sentry.captureMessage("checkout slow", SentryLevel.WARNING);
    Sentry.flush(5000);
    Sentry.close();
  }
}
