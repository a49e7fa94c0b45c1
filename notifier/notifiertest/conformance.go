// Package notifiertest holds what every channel's tests share: the
// conformance suite every channel must pass (the fault-to-classification
// table, a cancelled context, no contact detail or message body in any
// error text), and the recorder and behaviour suite the fake providers share.
package notifiertest

import (
	"context"
	"strings"
	"testing"

	"github.com/herald-notify/herald/notifier"
)

// Fault is how the local fake provider answers every send.
type Fault int

const (
	Accept      Fault = iota // the provider accepts the message
	Transient                // 5xx, SMTP 4xx: worth retrying
	RateLimited              // 429 / throttling: worth retrying, later
	Reject                   // invalid address/number, unregistered token, SMTP 5xx
)

func (f Fault) String() string {
	return [...]string{"accept", "transient", "rate_limited", "reject"}[f]
}

// Harness adapts one channel to the suite.
type Harness struct {
	// Start runs a local server speaking the provider's protocol that answers
	// every send with fault, and returns a Notifier pointed at it and a func
	// that counts the messages the server accepted.
	Start func(t *testing.T, fault Fault) (n notifier.Notifier, accepted func() int)
	// Delivery is a valid delivery for this channel; its To and Message are
	// checked never to appear in error text.
	Delivery notifier.Delivery
}

// Run runs the suite against h.
func Run(t *testing.T, h Harness) {
	t.Run("accept", func(t *testing.T) {
		n, accepted := h.Start(t, Accept)
		r, err := n.Notify(context.Background(), h.Delivery)
		if err != nil {
			t.Fatalf("Notify: %v", err)
		}
		if r.ProviderID == "" || r.Provider == "" {
			t.Errorf("receipt %+v lacks provider or provider id", r)
		}
		if got := accepted(); got != 1 {
			t.Errorf("server accepted %d messages, want 1", got)
		}
	})
	table := []struct {
		fault     Fault
		permanent bool
	}{{Transient, false}, {RateLimited, false}, {Reject, true}}
	for _, c := range table {
		t.Run(c.fault.String(), func(t *testing.T) {
			n, accepted := h.Start(t, c.fault)
			_, err := n.Notify(context.Background(), h.Delivery)
			if err == nil {
				t.Fatal("Notify succeeded, want an error")
			}
			if got := notifier.IsPermanent(err); got != c.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, c.permanent)
			}
			if accepted() != 0 {
				t.Errorf("server accepted a message it refused")
			}
			AssertNoPersonalData(t, err, h.Delivery)
		})
	}
	t.Run("cancelled_context", func(t *testing.T) {
		n, accepted := h.Start(t, Accept)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := n.Notify(ctx, h.Delivery)
		if err == nil {
			t.Fatal("Notify with a cancelled context succeeded")
		}
		if notifier.IsPermanent(err) {
			t.Errorf("a cancelled context is not a permanent failure: %v", err)
		}
		if accepted() != 0 {
			t.Errorf("server accepted a message sent with a cancelled context")
		}
		AssertNoPersonalData(t, err, h.Delivery)
	})
}

// AssertNoPersonalData fails if err's text contains a recipient or any part
// of the message body.
func AssertNoPersonalData(t *testing.T, err error, d notifier.Delivery) {
	t.Helper()
	if err == nil {
		return
	}
	text := err.Error()
	secrets := append([]string{d.Message.Text, d.Message.HTML, d.Message.Subject, d.Message.Title}, d.To...)
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("error text %q leaks personal data or message content", text)
		}
	}
}
