package guard_test

import (
	"errors"
	"testing"
	"time"

	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/guard"
	"github.com/herald-notify/herald/notifier/notifiertest"
	"github.com/herald-notify/herald/notifier/sms"
	"github.com/herald-notify/herald/notifier/sms/smstest"
)

func newSMS(t *testing.T, s *smstest.Server) *sms.Notifier {
	t.Helper()
	cfg := s.Config()
	cfg.Timeout = 2 * time.Second
	n, err := sms.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A guarded channel is still a channel: the SMS channel behind a guard,
// against the local Twilio fake, passes the shared suite.
func TestConformanceWrappingSMS(t *testing.T) {
	notifiertest.Run(t, notifiertest.Harness{
		Start: func(t *testing.T, fault notifiertest.Fault) (notifier.Notifier, func() int) {
			s := smstest.NewServer(t)
			s.SetFault(fault)
			g := guard.New(newSMS(t, s), guard.Config{Name: "twilio", Rate: 100, Burst: 2, FailureThreshold: 1})
			return g, s.Accepted
		},
		Delivery: testDelivery,
	})
}

// Twilio's 429 with Retry-After 1 opens a breaker whose own cooldown is
// shorter, for the full second, and no request reaches Twilio meanwhile.
func TestTwilioThrottlingOpensTheBreaker(t *testing.T) {
	s, c := smstest.NewServer(t), newClock()
	s.SetFault(notifiertest.RateLimited)
	g := guard.New(newSMS(t, s), guard.Config{Name: "twilio", FailureThreshold: 1,
		Cooldown: 100 * time.Millisecond, Now: c.Now})

	if err := send(g); notifier.RetryAfter(err) != time.Second || errors.Is(err, guard.ErrOpen) {
		t.Fatalf("first send: %v, want Twilio's own 429 with Retry-After 1s", err)
	}
	c.Advance(500 * time.Millisecond)
	assertOpen(t, send(g), "twilio", 500*time.Millisecond)
	if s.Requests() != 1 {
		t.Fatalf("Twilio saw %d requests, want 1", s.Requests())
	}
	c.Advance(500 * time.Millisecond)
	s.SetFault(notifiertest.Accept)
	if err := send(g); err != nil {
		t.Fatalf("trial: %v", err)
	}
	assertState(t, g, guard.Closed)
	if s.Accepted() != 1 || s.Requests() != 2 {
		t.Errorf("Twilio accepted %d of %d requests, want 1 of 2", s.Accepted(), s.Requests())
	}
}
