package sms_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/notifiertest"
	"github.com/herald-notify/herald/notifier/sms"
	"github.com/herald-notify/herald/notifier/sms/smstest"
)

const testTo = "+14155550123"

func delivery() notifier.Delivery {
	return notifier.Delivery{
		IncidentID: "inc-1", SubjectID: "sub-1", Channel: "sms",
		To:      []string{testTo},
		Message: notifier.Message{Text: "Your account data was exposed in incident inc-1. Reset your password."},
	}
}

// newNotifier builds a notifier from cfg with a 2s timeout; mod adjusts it.
func newNotifier(t *testing.T, cfg sms.Config, mod func(*sms.Config)) *sms.Notifier {
	t.Helper()
	cfg.Timeout = 2 * time.Second
	if mod != nil {
		mod(&cfg)
	}
	n, err := sms.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n
}

func TestConformance(t *testing.T) {
	notifiertest.Run(t, notifiertest.Harness{
		Start: func(t *testing.T, fault notifiertest.Fault) (notifier.Notifier, func() int) {
			s := smstest.NewServer(t)
			s.SetFault(fault)
			return newNotifier(t, s.Config(), nil), s.Accepted
		},
		Delivery: delivery(),
	})
}

func TestNotifySendsForm(t *testing.T) {
	s := smstest.NewServer(t)
	r, err := newNotifier(t, s.Config(), nil).Notify(context.Background(), delivery())
	if err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if r.Provider != "twilio" || !strings.HasPrefix(r.ProviderID, "SM") {
		t.Errorf("receipt = %+v, want twilio SM... sid", r)
	}
	got := s.Messages()[0].Form
	if got.Get("To") != testTo || got.Get("From") != smstest.From || got.Get("Body") != delivery().Message.Text {
		t.Errorf("form To/From/Body not as sent (fields %v)", slices.Sorted(maps.Keys(got)))
	}
	if got.Has("MessagingServiceSid") {
		t.Error("MessagingServiceSid sent without being configured")
	}
}

func TestNotifyWithMessagingService(t *testing.T) {
	s := smstest.NewServer(t)
	n := newNotifier(t, s.Config(), func(c *sms.Config) { c.From, c.MessagingServiceSID = "", "MG0123456789abcdef0123456789abcdef" })
	if _, err := n.Notify(context.Background(), delivery()); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	got := s.Messages()[0].Form
	if got.Get("MessagingServiceSid") != "MG0123456789abcdef0123456789abcdef" || got.Has("From") {
		t.Errorf("want MessagingServiceSid and no From, got fields %v", slices.Sorted(maps.Keys(got)))
	}
}

func TestRetryAfterSurfaced(t *testing.T) {
	cases := map[string]*smstest.Reply{
		"twilio 20429":  smstest.ErrorReply(429, 20429, "Too Many Requests", map[string]string{"Retry-After": "30"}),
		"html 429":      {Status: 429, Header: map[string]string{"Retry-After": "30"}, Body: "slow down"},
		"503 with date": {Status: 503, Header: map[string]string{"Retry-After": time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)}},
	}
	for name, rep := range cases {
		t.Run(name, func(t *testing.T) {
			s := smstest.NewServer(t)
			s.SetReply(rep)
			_, err := newNotifier(t, s.Config(), nil).Notify(context.Background(), delivery())
			if notifier.IsPermanent(err) {
				t.Fatalf("err = %v, want retryable", err)
			}
			// The date form loses up to a second to the clock.
			if got := notifier.RetryAfter(err); got < 29*time.Second || got > 30*time.Second {
				t.Errorf("RetryAfter = %v, want 30s (err %v)", got, err)
			}
		})
	}
}

func TestClassification(t *testing.T) {
	cases := []struct {
		name      string
		reply     *smstest.Reply
		permanent bool
		reason    string
	}{
		{"invalid number", smstest.InvalidNumber(testTo), true, "twilio 21211 invalid number"},
		{"not mobile", smstest.ErrorReply(400, 21614, "'To' number "+testTo+" is not a valid mobile number", nil), true, "twilio 21614 not mobile"},
		{"unsubscribed", smstest.ErrorReply(400, 21610, "Attempt to send to unsubscribed recipient", nil), true, "twilio 21610 unsubscribed"},
		{"region", smstest.ErrorReply(400, 21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: "+testTo, nil), true, "twilio 21408 region not permitted"},
		{"other coded 4xx", smstest.ErrorReply(400, 21606, "The 'From' phone number provided is not a valid message-capable phone number", nil), true, "twilio 21606"},
		{"auth", smstest.ErrorReply(401, 20003, "Authenticate", nil), false, "twilio auth failed"},
		{"json 503", smstest.ErrorReply(503, 20500, "Service unavailable", nil), false, "twilio 20500 server error"},
		{"html 502", &smstest.Reply{Status: 502, Body: "<html>Bad Gateway</html>"}, false, "twilio http 502"},
		{"codeless 404", &smstest.Reply{Status: 404, Body: "not here"}, false, "twilio http 404"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := smstest.NewServer(t)
			s.SetReply(c.reply)
			_, err := newNotifier(t, s.Config(), nil).Notify(context.Background(), delivery())
			assertClass(t, err, c.permanent, c.reason)
		})
	}
}

func TestWrongCredentialsAreRetryable(t *testing.T) {
	s := smstest.NewServer(t) // the fake itself answers 401 with code 20003
	n := newNotifier(t, s.Config(), func(c *sms.Config) { c.AuthToken = "ffffffffffffffffffffffffffffffff" })
	_, err := n.Notify(context.Background(), delivery())
	assertClass(t, err, false, "twilio auth failed")
	if s.Accepted() != 0 {
		t.Error("fake accepted a message with a wrong token")
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens there now
	cfg := sms.Config{AccountSID: smstest.AccountSID, AuthToken: smstest.AuthToken, From: smstest.From, BaseURL: srv.URL}
	_, err := newNotifier(t, cfg, nil).Notify(context.Background(), delivery())
	assertClass(t, err, false, "twilio unreachable")
}

func TestTimeoutReachesTheWire(t *testing.T) {
	s := smstest.NewServer(t)
	s.SetReply(&smstest.Reply{Hang: true})
	n := newNotifier(t, s.Config(), func(c *sms.Config) { c.Timeout = 200 * time.Millisecond })
	start := time.Now()
	_, err := n.Notify(context.Background(), delivery())
	assertClass(t, err, false, "twilio request timed out")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Notify took %v after a 200ms timeout", d)
	}
	if s.Requests() != 1 {
		t.Errorf("fake saw %d requests, want 1", s.Requests())
	}
}

func TestCancelMidRequest(t *testing.T) {
	s := smstest.NewServer(t)
	s.SetReply(&smstest.Reply{Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := newNotifier(t, s.Config(), nil).Notify(ctx, delivery())
	assertClass(t, err, false, "twilio request cancelled")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to wrap context.Canceled", err)
	}
}

func TestBadRecipientSendsNothing(t *testing.T) {
	cases := map[string]struct {
		to     []string
		reason string
	}{
		"none":     {nil, "no phone number"},
		"empty":    {[]string{""}, "no phone number"},
		"not e164": {[]string{"0415 555 0123"}, "phone number not e164"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := smstest.NewServer(t)
			d := delivery()
			d.To = c.to
			_, err := newNotifier(t, s.Config(), nil).Notify(context.Background(), d)
			assertClass(t, err, true, c.reason)
			if s.Requests() != 0 {
				t.Errorf("fake saw %d requests, want none", s.Requests())
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := sms.Config{AccountSID: smstest.AccountSID, AuthToken: smstest.AuthToken, From: smstest.From}
	cases := map[string]struct {
		mod   func(*sms.Config)
		field string
	}{
		"no sid":        {func(c *sms.Config) { c.AccountSID = "" }, "sms.account_sid"},
		"sid symbols":   {func(c *sms.Config) { c.AccountSID = "AC-123" }, "sms.account_sid"},
		"no token":      {func(c *sms.Config) { c.AuthToken = "" }, "sms.auth_token"},
		"token symbols": {func(c *sms.Config) { c.AuthToken = "abc$def" }, "sms.auth_token"},
		"no sender":     {func(c *sms.Config) { c.From = "" }, "sms.from"},
		"bad base url":  {func(c *sms.Config) { c.BaseURL = "127.0.0.1:8080" }, "sms.base_url"},
		"neg timeout":   {func(c *sms.Config) { c.Timeout = -time.Second }, "sms.timeout"},
		"bad callback":  {func(c *sms.Config) { c.StatusCallbackURL = "/webhooks/twilio/status" }, "sms.status_callback_url"},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := ok
			c.mod(&cfg)
			_, err := sms.New(cfg)
			if incident.ErrorCode(err) != incident.CodeInvalid || incident.ErrorField(err) != c.field {
				t.Errorf("New: err = %v, want invalid %s", err, c.field)
			}
			if err != nil && strings.Contains(err.Error(), smstest.AuthToken) {
				t.Errorf("error %q leaks the auth token", err)
			}
		})
	}
}

func assertClass(t *testing.T, err error, permanent bool, reason string) {
	t.Helper()
	var e *notifier.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want a *notifier.Error", err)
	}
	if e.Permanent != permanent || e.Reason != reason {
		t.Errorf("got permanent=%v reason %q, want permanent=%v reason %q", e.Permanent, e.Reason, permanent, reason)
	}
	notifiertest.AssertNoPersonalData(t, err, delivery())
}
