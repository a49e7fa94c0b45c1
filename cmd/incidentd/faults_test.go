package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier/email/emailtest"
	"github.com/herald-notify/herald/notifier/notifiertest"
	"github.com/herald-notify/herald/notifier/push/pushtest"
	"github.com/herald-notify/herald/notifier/sms/smstest"
)

// faultBed is one daemon run against the three fake providers, with the SMS
// and push providers reached through the URLs the test chose.
type faultBed struct {
	smtp   *emailtest.Server
	twilio *smstest.Server
	fcm    *pushtest.Server
	logs   *syncBuffer
}

func newFaultBed(t *testing.T) *faultBed {
	return &faultBed{smtp: emailtest.NewServer(t), twilio: smstest.NewServer(t), fcm: pushtest.NewServer(t), logs: &syncBuffer{}}
}

// faultyProvider names a provider under test: its channel, how to put a
// front before it, what it answers when throttling then failing, and what
// it accepted per contact.
type faultyProvider struct {
	channel  string
	front    func(t *testing.T, b *faultBed) *scriptedFront
	config   func(cfg *Config, url string)
	outage   []*notifiertest.HTTPReply // one person's answers before recovery
	accepted func(b *faultBed) map[string]int
	contact  func(s incident.Subject) string
}

var twilioProvider = faultyProvider{
	channel: incident.ChannelSMS,
	front:   func(t *testing.T, b *faultBed) *scriptedFront { return newScriptedFront(t, b.twilio.URL(), twilioTo) },
	config:  func(cfg *Config, url string) { cfg.TwilioBaseURL = url },
	outage: []*notifiertest.HTTPReply{
		smstest.ErrorReply(429, 20429, "Too Many Requests", map[string]string{"Retry-After": "1"}),
		{Status: 500, Body: "<html>Internal Server Error</html>"},
	},
	accepted: func(b *faultBed) map[string]int { return smsTo(b.twilio) },
	contact:  func(s incident.Subject) string { return s.Phone },
}

var fcmProvider = faultyProvider{
	channel: incident.ChannelPush,
	front:   func(t *testing.T, b *faultBed) *scriptedFront { return newScriptedFront(t, b.fcm.URL(), fcmToken) },
	config:  func(cfg *Config, url string) { cfg.FCMEndpoint = url },
	outage: []*notifiertest.HTTPReply{
		pushtest.ErrorReply(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded.", map[string]string{"Retry-After": "1"}),
		pushtest.ErrorReply(500, "INTERNAL", "INTERNAL", "Internal error encountered.", nil),
	},
	accepted: func(b *faultBed) map[string]int { return pushTo(b.fcm) },
	contact:  func(s incident.Subject) string { return s.PushTokens[0] },
}

// TestProviderOutageWithinRetryBudgetReachesEveryoneOnce: the provider
// answers each message 429 (Retry-After: 1) and then 500 before accepting
// it, which fits in the dispatcher's tries per channel. Everybody is told
// exactly once on that channel, after waiting out the Retry-After; nobody
// falls back to email; the ledger holds one sent attempt of three tries
// per person; no notice is needed. The breaker threshold is set above
// every failure the outage can produce: how the breaker cuts an outage
// short is the next tests' subject.
func TestProviderOutageWithinRetryBudgetReachesEveryoneOnce(t *testing.T) {
	for _, p := range []faultyProvider{twilioProvider, fcmProvider} {
		t.Run(p.channel, func(t *testing.T) { outageWithinBudget(t, p, 250) })
	}
}

func outageWithinBudget(t *testing.T, p faultyProvider, n int) {
	start := time.Now()
	b := newFaultBed(t)
	front := p.front(t, b)
	front.script = p.outage
	cfg := faultConfig(t, b.smtp, b.twilio.URL(), b.fcm.URL())
	p.config(&cfg, front.srv.URL)
	cfg.Workers, cfg.BreakerThreshold = 128, len(p.outage)*n+1
	h := startConfigured(t, cfg, b.logs)
	openIncident(t, h)
	people := faultPeople(0, n, p.channel, incident.ChannelEmail)
	v := addPeople(t, h, people, n)

	pr := v.Progress
	if pr.Sent != n || pr.Unreachable != 0 || pr.Uncertain != 0 || pr.ByChannel[p.channel].Sent != n ||
		pr.ByChannel[p.channel].Failed != 0 || pr.ByChannel[incident.ChannelEmail].Sent != 0 {
		t.Errorf("progress %s, want all %d sent on %s and no fallback", describe(v), n, p.channel)
	}
	if code := noticeStatus(t, h); code != http.StatusNotFound {
		t.Errorf("GET /notices/%s: HTTP %d, want 404: everyone was reached", demoID, code)
	}
	accepted := p.accepted(b)
	for _, s := range people {
		c := p.contact(s)
		if accepted[c] != 1 {
			t.Fatalf("%s: the provider accepted %d messages, want 1", s.ID, accepted[c])
		}
		checkRetriedAfter(t, s.ID, front.Arrivals(c), len(p.outage)+1)
	}
	if len(accepted) != n || len(emailsTo(b.smtp)) != 0 {
		t.Errorf("provider accepted messages for %d contacts, emails for %d people; want %d and 0",
			len(accepted), len(emailsTo(b.smtp)), n)
	}
	for id, rows := range ledgerOf(t, h, people) {
		if len(rows) != 1 || rows[0].Channel != p.channel || rows[0].Status != incident.AttemptSent || rows[0].Tries != len(p.outage)+1 {
			t.Fatalf("%s: ledger %+v, want one sent %s attempt after %d tries", id, rows, p.channel, len(p.outage)+1)
		}
	}
	if ch := circuitChanges(t, b.logs, p.channel); len(ch) != 0 {
		t.Errorf("the breaker moved (%v) though the outage stayed under its threshold", ch)
	}
	assertNoContactLogged(t, b.logs, people)
	t.Logf("%d people, %d provider requests, %v", n, front.Requests(), time.Since(start).Round(time.Millisecond))
}

// checkRetriedAfter: the contact's messages reached the provider tries
// times, and the try after the 429 came no sooner than its Retry-After.
func checkRetriedAfter(t *testing.T, id string, arrivals []time.Time, tries int) {
	t.Helper()
	if len(arrivals) != tries {
		t.Fatalf("%s: %d requests at the provider, want %d", id, len(arrivals), tries)
	}
	if gap := arrivals[1].Sub(arrivals[0]); gap < time.Second {
		t.Fatalf("%s: retried %v after a 429 with Retry-After: 1", id, gap)
	}
}
