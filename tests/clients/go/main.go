// Command send_events is an ErrorHub test client that sends real events with
// the official github.com/getsentry/sentry-go SDK.
//
// Usage: SENTRY_DSN=http://key@127.0.0.1:PORT/1 ERRORHUB_RUN_ID=abc ./send_events [crash]
// Prints `event_id=<32 hex>` (one per line) for each event the SDK sends.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/getsentry/sentry-go"
)

// ErrOutOfStock is the root cause wrapped by processOrder.
var ErrOutOfStock = errors.New("no stock left for sku SKU-1")

func reserveStock(sku string) error {
	return fmt.Errorf("reserve %s: %w", sku, ErrOutOfStock)
}

// OrderError carries the program counters of where it was created. sentry-go reads them
// through the StackTrace() method (the same duck-typed hook it uses for pkg/errors), so
// the reported stack trace starts in processOrder rather than at the capture call.
type OrderError struct {
	OrderID int
	Err     error
	pcs     []uintptr
}

func (e *OrderError) Error() string {
	return fmt.Sprintf("could not process order %d: %v", e.OrderID, e.Err)
}

func (e *OrderError) Unwrap() error { return e.Err }

// StackTrace returns the program counters recorded when the error was created.
func (e *OrderError) StackTrace() []uintptr { return e.pcs }

func newOrderError(orderID int, err error) *OrderError {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(2, pcs) // skip runtime.Callers and newOrderError
	return &OrderError{OrderID: orderID, Err: err, pcs: pcs[:n]}
}

func processOrder(orderID int) error {
	if err := reserveStock("SKU-1"); err != nil {
		return newOrderError(orderID, err)
	}
	return nil
}

func crashOrder(orderID int) {
	var items map[string]int
	items[fmt.Sprintf("order-%d", orderID)] = 1 // panics: assignment to entry in nil map
}

func main() {
	dsn := os.Getenv("SENTRY_DSN")
	if dsn == "" {
		fmt.Fprintln(os.Stderr, "SENTRY_DSN must be set")
		os.Exit(2)
	}
	runID := os.Getenv("ERRORHUB_RUN_ID")
	if runID == "" {
		runID = "local"
	}
	crash := len(os.Args) > 1 && os.Args[1] == "crash"

	err := sentry.Init(sentry.ClientOptions{
		Dsn:              dsn,
		Release:          "errorhub-test@1.0.0-go",
		Environment:      "ci",
		EnableTracing:    false,
		TracesSampleRate: 0,
		BeforeSend: func(event *sentry.Event, hint *sentry.EventHint) *sentry.Event {
			fmt.Printf("event_id=%s\n", event.EventID)
			return event
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "sentry.Init: %v\n", err)
		os.Exit(1)
	}

	sentry.ConfigureScope(func(scope *sentry.Scope) {
		scope.SetUser(sentry.User{ID: "42", Email: "user42@example.com"})
		scope.SetTag("lang", "go")
		scope.SetTag("run_id", runID)
	})
	sentry.AddBreadcrumb(&sentry.Breadcrumb{Category: "cart", Message: "cart loaded with 3 items", Level: sentry.LevelInfo})
	sentry.AddBreadcrumb(&sentry.Breadcrumb{Category: "checkout", Message: "payment form submitted", Level: sentry.LevelInfo})

	if crash {
		// Deferred calls run last-in first-out: Recover captures the panic, then we flush and exit 2.
		defer func() {
			sentry.Flush(5 * time.Second)
			os.Exit(2)
		}()
		defer sentry.Recover()
		crashOrder(7)
		return
	}

	if err := processOrder(1001); err != nil {
		sentry.CaptureException(err)
	}
	sentry.WithScope(func(scope *sentry.Scope) {
		scope.SetLevel(sentry.LevelWarning)
		sentry.CaptureMessage("checkout slow")
	})
	sentry.Flush(5 * time.Second)
}
