//! ErrorHub test client: sends real events with the official `sentry` crate.
//!
//! Usage: SENTRY_DSN=http://key@127.0.0.1:PORT/1 ERRORHUB_RUN_ID=abc send_events [crash]
//! Prints `event_id=<32 hex>` for each event the SDK sends.

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use sentry::integrations::backtrace::current_stacktrace;
use sentry::protocol::{Breadcrumb, Level, Stacktrace, User};

#[derive(Debug)]
struct InventoryError {
    sku: String,
}

impl fmt::Display for InventoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no stock left for sku {}", self.sku)
    }
}

impl Error for InventoryError {}

/// Like an error carrying a `std::backtrace::Backtrace`, but recorded in Sentry's own
/// frame format so it can be attached to the reported exception.
struct OrderError {
    order_id: u32,
    source: InventoryError,
    stacktrace: Option<Stacktrace>,
}

impl fmt::Debug for OrderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderError")
            .field("order_id", &self.order_id)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for OrderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not process order {}", self.order_id)
    }
}

impl Error for OrderError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}

#[inline(never)]
fn reserve_stock(sku: &str) -> Result<(), InventoryError> {
    Err(InventoryError { sku: sku.to_string() })
}

#[inline(never)]
fn process_order(order_id: u32) -> Result<(), OrderError> {
    reserve_stock("SKU-1").map_err(|source| OrderError {
        order_id,
        source,
        stacktrace: current_stacktrace(),
    })
}

/// Report an error with its `source()` chain; the outermost exception (last in the list)
/// gets the stack trace recorded where the error was created.
fn report_order_error(err: &OrderError) -> sentry::types::Uuid {
    let mut event = sentry::event_from_error(err);
    if let Some(outer) = event.exception.values.last_mut() {
        outer.stacktrace = err.stacktrace.clone();
    }
    sentry::capture_event(event)
}

#[inline(never)]
fn crash_order(order_id: u32) {
    panic!("unhandled crash while processing order {order_id}");
}

fn main() {
    let dsn = std::env::var("SENTRY_DSN").expect("SENTRY_DSN must be set");
    let run_id = std::env::var("ERRORHUB_RUN_ID").unwrap_or_else(|_| "local".to_string());
    let crash = std::env::args().nth(1).as_deref() == Some("crash");

    // ClientOptions is #[non_exhaustive]: start from the defaults and set fields.
    // Tracing stays at its default (disabled); auto_session_tracking defaults to false.
    let mut options = sentry::ClientOptions::new();
    options.release = Some("errorhub-test@1.0.0-rust".into());
    options.environment = Some("ci".into());
    options.shutdown_timeout = Duration::from_secs(5);
    options.before_send = Some(Arc::new(|event| {
        println!("event_id={}", event.event_id.simple());
        Some(event)
    }));
    let guard = sentry::init((dsn, options));

    sentry::configure_scope(|scope| {
        scope.set_user(Some(User {
            id: Some("42".into()),
            email: Some("user42@example.com".into()),
            ..Default::default()
        }));
        scope.set_tag("lang", "rust");
        scope.set_tag("run_id", &run_id);
    });
    sentry::add_breadcrumb(Breadcrumb {
        category: Some("cart".into()),
        message: Some("cart loaded with 3 items".into()),
        level: Level::Info,
        ..Default::default()
    });
    sentry::add_breadcrumb(Breadcrumb {
        category: Some("checkout".into()),
        message: Some("payment form submitted".into()),
        level: Level::Info,
        ..Default::default()
    });

    if crash {
        // The panic integration captures the panic; unwinding drops `guard`,
        // which flushes the transport before the process exits with 101.
        let _guard = guard;
        crash_order(7);
        return;
    }

    if let Err(err) = process_order(1001) {
        report_order_error(&err);
    }
    sentry::capture_message("checkout slow", Level::Warning);

    if let Some(client) = sentry::Hub::current().client() {
        client.flush(Some(Duration::from_secs(5)));
    }
    drop(guard);
}
