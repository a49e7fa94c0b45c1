package sms

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/notifiertest"
)

const testTo = "+14155550123"

func delivery() notifier.Delivery {
	return notifier.Delivery{
		IncidentID: "inc-1", SubjectID: "sub-1", Channel: "sms",
		To:      []string{testTo},
		Message: notifier.Message{Text: "Your account data was exposed in incident inc-1. Reset your password."},
	}
}

func newNotifier(t *testing.T, baseURL string, mod func(*Config)) *Notifier {
	t.Helper()
	cfg := Config{AccountSID: testSID, AuthToken: testToken, From: testFrom, BaseURL: baseURL, Timeout: 2 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	n, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n
}

// The 400 Twilio really sends for a bad number quotes the number.
var invalidNumber = jsonReply(400, 21211, "The 'To' number "+testTo+" is not a valid phone number.", nil)

func TestConformance(t *testing.T) {
	faults := map[notifiertest.Fault]*reply{
		notifiertest.Accept:      nil,
		notifiertest.Transient:   {status: 500, body: "<html>Internal Server Error</html>"},
		notifiertest.RateLimited: jsonReply(429, 20429, "Too Many Requests", map[string]string{"Retry-After": "3"}),
		notifiertest.Reject:      invalidNumber,
	}
	notifiertest.Run(t, notifiertest.Harness{
		Start: func(t *testing.T, fault notifiertest.Fault) (notifier.Notifier, func() int) {
			f, u := startFake(t, faults[fault])
			return newNotifier(t, u, nil), f.acceptedCount
		},
		Delivery: delivery(),
	})
}

func TestNotifySendsForm(t *testing.T) {
	f, u := startFake(t, nil)
	r, err := newNotifier(t, u, nil).Notify(context.Background(), delivery())
	if err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if r.Provider != "twilio" || !strings.HasPrefix(r.ProviderID, "SM") {
		t.Errorf("receipt = %+v, want twilio SM... sid", r)
	}
	got := f.accepted[0]
	if got.Get("To") != testTo || got.Get("From") != testFrom || got.Get("Body") != delivery().Message.Text {
		t.Errorf("form To/From/Body not as sent (fields %v)", keys(got))
	}
	if got.Has("MessagingServiceSid") {
		t.Error("MessagingServiceSid sent without being configured")
	}
}

func TestNotifyWithMessagingService(t *testing.T) {
	f, u := startFake(t, nil)
	n := newNotifier(t, u, func(c *Config) { c.From, c.MessagingServiceSID = "", "MG0123456789abcdef0123456789abcdef" })
	if _, err := n.Notify(context.Background(), delivery()); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	got := f.accepted[0]
	if got.Get("MessagingServiceSid") != "MG0123456789abcdef0123456789abcdef" || got.Has("From") {
		t.Errorf("want MessagingServiceSid and no From, got fields %v", keys(got))
	}
}

func TestRetryAfterSurfaced(t *testing.T) {
	cases := map[string]*reply{
		"twilio 20429":  jsonReply(429, 20429, "Too Many Requests", map[string]string{"Retry-After": "30"}),
		"html 429":      {status: 429, header: map[string]string{"Retry-After": "30"}, body: "slow down"},
		"503 with date": {status: 503, header: map[string]string{"Retry-After": time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)}},
	}
	for name, rep := range cases {
		t.Run(name, func(t *testing.T) {
			_, u := startFake(t, rep)
			_, err := newNotifier(t, u, nil).Notify(context.Background(), delivery())
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
		reply     *reply
		permanent bool
		reason    string
	}{
		{"invalid number", invalidNumber, true, "twilio 21211 invalid number"},
		{"not mobile", jsonReply(400, 21614, "'To' number "+testTo+" is not a valid mobile number", nil), true, "twilio 21614 not mobile"},
		{"unsubscribed", jsonReply(400, 21610, "Attempt to send to unsubscribed recipient", nil), true, "twilio 21610 unsubscribed"},
		{"region", jsonReply(400, 21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: "+testTo, nil), true, "twilio 21408 region not permitted"},
		{"other coded 4xx", jsonReply(400, 21606, "The 'From' phone number provided is not a valid message-capable phone number", nil), true, "twilio 21606"},
		{"auth", jsonReply(401, 20003, "Authenticate", nil), false, "twilio auth failed"},
		{"json 503", jsonReply(503, 20500, "Service unavailable", nil), false, "twilio 20500 server error"},
		{"html 502", &reply{status: 502, body: "<html>Bad Gateway</html>"}, false, "twilio http 502"},
		{"codeless 404", &reply{status: 404, body: "not here"}, false, "twilio http 404"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, u := startFake(t, c.reply)
			_, err := newNotifier(t, u, nil).Notify(context.Background(), delivery())
			assertClass(t, err, c.permanent, c.reason)
		})
	}
}

func TestWrongCredentialsAreRetryable(t *testing.T) {
	f, u := startFake(t, nil) // the fake itself answers 401 with code 20003
	n := newNotifier(t, u, func(c *Config) { c.AuthToken = "ffffffffffffffffffffffffffffffff" })
	_, err := n.Notify(context.Background(), delivery())
	assertClass(t, err, false, "twilio auth failed")
	if f.acceptedCount() != 0 {
		t.Error("fake accepted a message with a wrong token")
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens there now
	_, err := newNotifier(t, srv.URL, nil).Notify(context.Background(), delivery())
	assertClass(t, err, false, "twilio unreachable")
}

func TestTimeoutReachesTheWire(t *testing.T) {
	f, u := startFake(t, &reply{hang: true})
	n := newNotifier(t, u, func(c *Config) { c.Timeout = 200 * time.Millisecond })
	start := time.Now()
	_, err := n.Notify(context.Background(), delivery())
	assertClass(t, err, false, "twilio request timed out")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Notify took %v after a 200ms timeout", d)
	}
	if f.requestCount() != 1 {
		t.Errorf("fake saw %d requests, want 1", f.requestCount())
	}
}

func TestCancelMidRequest(t *testing.T) {
	_, u := startFake(t, &reply{hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := newNotifier(t, u, nil).Notify(ctx, delivery())
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
			f, u := startFake(t, nil)
			d := delivery()
			d.To = c.to
			_, err := newNotifier(t, u, nil).Notify(context.Background(), d)
			assertClass(t, err, true, c.reason)
			if f.requestCount() != 0 {
				t.Errorf("fake saw %d requests, want none", f.requestCount())
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := Config{AccountSID: testSID, AuthToken: testToken, From: testFrom}
	cases := map[string]struct {
		mod   func(*Config)
		field string
	}{
		"no sid":        {func(c *Config) { c.AccountSID = "" }, "sms.account_sid"},
		"sid symbols":   {func(c *Config) { c.AccountSID = "AC-123" }, "sms.account_sid"},
		"no token":      {func(c *Config) { c.AuthToken = "" }, "sms.auth_token"},
		"token symbols": {func(c *Config) { c.AuthToken = "abc$def" }, "sms.auth_token"},
		"no sender":     {func(c *Config) { c.From = "" }, "sms.from"},
		"bad base url":  {func(c *Config) { c.BaseURL = "127.0.0.1:8080" }, "sms.base_url"},
		"neg timeout":   {func(c *Config) { c.Timeout = -time.Second }, "sms.timeout"},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := ok
			c.mod(&cfg)
			_, err := New(cfg)
			if incident.ErrorCode(err) != incident.CodeInvalid || incident.ErrorField(err) != c.field {
				t.Errorf("New: err = %v, want invalid %s", err, c.field)
			}
			if err != nil && strings.Contains(err.Error(), testToken) {
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
