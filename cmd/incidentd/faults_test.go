package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/notifier/email/emailtest"
	"github.com/herald-notify/herald/notifier/notice"
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
// per person; no notice is needed. Every message failing twice looks to a
// circuit breaker like a provider that never recovers (each half-open
// trial meets another message's first failure), so this test lifts the
// threshold to isolate the retries; TestShortOutageIsRiddenOut covers the
// breaker in a time-bound outage.
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

// downProvider is a provider that never recovers: where the daemon is
// pointed for the channel, and how many calls reached it.
type downProvider struct {
	name    string
	channel string
	start   func(t *testing.T, b *faultBed) (url string, calls func() int)
	config  func(cfg *Config, url string)
}

var downProviders = []downProvider{
	{name: "twilio_5xx", channel: incident.ChannelSMS, config: twilioProvider.config,
		start: func(t *testing.T, b *faultBed) (string, func() int) {
			b.twilio.SetFault(notifiertest.Transient)
			return b.twilio.URL(), b.twilio.Requests
		}},
	{name: "twilio_unreachable", channel: incident.ChannelSMS, config: twilioProvider.config,
		start: func(t *testing.T, b *faultBed) (string, func() int) {
			d := newDeadProvider(t)
			return d.URL(), d.Calls
		}},
	{name: "fcm_5xx", channel: incident.ChannelPush, config: fcmProvider.config,
		start: func(t *testing.T, b *faultBed) (string, func() int) {
			b.fcm.SetFault(notifiertest.Transient)
			return b.fcm.URL(), func() int { return len(b.fcm.Tokens()) }
		}},
}

// TestProviderDownFallsBackAndPublishesNotice: a provider that is down for
// good. People who also have email get exactly one email; people with no
// other channel end unreachable and the public notice, absent before, is
// published for them. The breaker opens, so the down provider sees a small
// fraction of the people x tries it would see without one.
func TestProviderDownFallsBackAndPublishesNotice(t *testing.T) {
	for _, p := range downProviders {
		t.Run(p.name, func(t *testing.T) { providerDown(t, p, 300, 100) })
	}
}

func providerDown(t *testing.T, p downProvider, withEmail, alone int) {
	start := time.Now()
	b := newFaultBed(t)
	url, calls := p.start(t, b)
	cfg := faultConfig(t, b.smtp, b.twilio.URL(), b.fcm.URL())
	p.config(&cfg, url)
	cfg.Workers, cfg.BreakerThreshold, cfg.BreakerCooldown = 32, 5, 250*time.Millisecond
	cfg.SendDeadline = time.Second // the outage outlasts it: people move on
	h := startConfigured(t, cfg, b.logs)
	openIncident(t, h)
	if code := noticeStatus(t, h); code != http.StatusNotFound {
		t.Fatalf("GET /notices/%s before anyone was told: HTTP %d, want 404", demoID, code)
	}
	fallback := faultPeople(0, withEmail, p.channel, incident.ChannelEmail)
	stranded := faultPeople(withEmail, alone, p.channel)
	people := append(append([]incident.Subject(nil), fallback...), stranded...)
	v := addPeople(t, h, people, len(people))

	pr := v.Progress
	if pr.Sent != withEmail || pr.Unreachable != alone || pr.Uncertain != 0 ||
		pr.ByChannel[incident.ChannelEmail].Sent != withEmail || pr.ByChannel[p.channel].Sent != 0 {
		t.Errorf("progress %s, want %d sent by email and %d unreachable", describe(v), withEmail, alone)
	}
	checkOneEmailEach(t, b.smtp, fallback, stranded)
	if b.twilio.Accepted()+b.fcm.Accepted() != 0 {
		t.Errorf("the down provider accepted %d SMS and %d push", b.twilio.Accepted(), b.fcm.Accepted())
	}
	budget := len(people) * maxTries
	if n := calls(); n == 0 || n > budget/10 {
		t.Errorf("%d calls reached the down provider, want some but at most a tenth of %d people x %d tries", n, len(people), maxTries)
	}
	if ch := circuitChanges(t, b.logs, p.channel); len(ch) == 0 || ch[0] != "closed>open" {
		t.Errorf("breaker transitions %v, want it to open first", ch)
	}
	if code := noticeStatus(t, h); code != http.StatusOK || v.Notice == nil || v.Notice.Reason != notice.ReasonUnreachable {
		t.Errorf("GET /notices/%s: HTTP %d, notice %+v; want it published for the unreachable", demoID, code, v.Notice)
	}
	checkFellBack(t, ledgerOf(t, h, people), p.channel, len(fallback))
	assertNoContactLogged(t, b.logs, people)
	t.Logf("%d people, %d calls at the down provider (budget %d), breaker %v, %v", len(people), calls(), budget,
		circuitChanges(t, b.logs, p.channel), time.Since(start).Round(time.Millisecond))
}

// checkOneEmailEach: each of told got exactly one email, none of the others.
func checkOneEmailEach(t *testing.T, smtp *emailtest.Server, told, others []incident.Subject) {
	t.Helper()
	got := emailsTo(smtp)
	for _, s := range told {
		if got[s.Email] != 1 {
			t.Fatalf("%s received %d emails, want 1", s.ID, got[s.Email])
		}
	}
	for _, s := range others {
		if got[s.Email] != 0 {
			t.Fatalf("%s, who has no email in their chain, received %d emails", s.ID, got[s.Email])
		}
	}
}

// checkFellBack: the first fallbacks people hold a failed attempt on the
// down channel then a sent email; the rest only the failed attempt.
func checkFellBack(t *testing.T, ledger map[string][]store.Attempt, down string, fallbacks int) {
	t.Helper()
	for i := range len(ledger) {
		id := faultPeople(i, 1)[0].ID
		byChannel := map[string]store.Attempt{}
		for _, a := range ledger[id] {
			byChannel[a.Channel] = a
		}
		want := 1
		if i < fallbacks {
			want = 2
			if byChannel[incident.ChannelEmail].Status != incident.AttemptSent {
				t.Fatalf("%s: ledger %+v, want a sent email", id, ledger[id])
			}
		}
		a := byChannel[down]
		// 0 tries: every send was refused by the open circuit, never reaching the provider.
		if len(ledger[id]) != want || a.Status != incident.AttemptFailed || a.Tries < 0 || a.Tries > maxTries {
			t.Fatalf("%s: ledger %+v, want a failed %s attempt of 0..%d tries and %d rows", id, ledger[id], down, maxTries, want)
		}
	}
}

// TestBreakerOpensInOutageAndClosesAfterRecovery: Twilio fails every
// message while a first group is told, then recovers. The first group
// falls back to email, the breaker opens; once the provider is back and
// the cooldown has passed, a trial send closes the breaker and the second
// group is told by SMS again. Across both, nobody is told twice, on one
// channel or across two.
func TestBreakerOpensInOutageAndClosesAfterRecovery(t *testing.T) {
	start := time.Now()
	b := newFaultBed(t)
	front := newScriptedFront(t, b.twilio.URL(), twilioTo)
	front.downReply = &notifiertest.HTTPReply{Status: 503, Body: "<html>Service Unavailable</html>"}
	cfg := faultConfig(t, b.smtp, front.srv.URL, b.fcm.URL())
	cooldown := 300 * time.Millisecond
	cfg.Workers, cfg.BreakerThreshold, cfg.BreakerCooldown = 32, 5, cooldown
	cfg.SendDeadline = 500 * time.Millisecond // the outage outlasts it: people move on
	h := startConfigured(t, cfg, b.logs)
	openIncident(t, h)

	front.down.Store(true)
	during := faultPeople(0, 200, incident.ChannelSMS, incident.ChannelEmail)
	addPeople(t, h, during, len(during))
	callsDuring := front.Requests()
	front.down.Store(false)
	// Everyone of the first group is final, so every send through the
	// breaker has returned: it last opened before the flip, and one
	// cooldown from now it lets a trial through (50ms is clock slack).
	time.Sleep(cooldown + 50*time.Millisecond)
	after := faultPeople(len(during), 100, incident.ChannelSMS, incident.ChannelEmail)
	v := addPeople(t, h, after, len(during)+len(after))

	people := append(append([]incident.Subject(nil), during...), after...)
	if pr := v.Progress; pr.Sent != len(people) || pr.Unreachable != 0 || pr.Uncertain != 0 {
		t.Errorf("progress %s, want all %d sent", describe(v), len(people))
	}
	bySMS := toldOnceEach(t, b, people)
	checkOneEmailEach(t, b.smtp, during, nil)
	if callsDuring > len(during)*maxTries/10 {
		t.Errorf("%d calls reached Twilio during the outage, want at most a tenth of %d people x %d tries", callsDuring, len(during), maxTries)
	}
	ch := circuitChanges(t, b.logs, incident.ChannelSMS)
	if bySMS == 0 || len(ch) == 0 || ch[0] != "closed>open" || ch[len(ch)-1] != "half_open>closed" {
		t.Errorf("%d of the second group told by SMS, breaker %v; want it opened, then closed and used again", bySMS, ch)
	}
	assertNoContactLogged(t, b.logs, people)
	t.Logf("%d calls during the outage; after it %d of %d by SMS; breaker %v; %v", callsDuring, bySMS, len(after), ch,
		time.Since(start).Round(time.Millisecond))
}

// toldOnceEach: every person got exactly one message, by SMS or by email,
// never both; it returns how many were told by SMS.
func toldOnceEach(t *testing.T, b *faultBed, people []incident.Subject) int {
	t.Helper()
	texts, emails := smsTo(b.twilio), emailsTo(b.smtp)
	for _, s := range people {
		if n := texts[s.Phone] + emails[s.Email]; n != 1 {
			t.Fatalf("%s received %d SMS and %d emails, want one message", s.ID, texts[s.Phone], emails[s.Email])
		}
	}
	if len(texts)+len(emails) != len(people) {
		t.Errorf("%d SMS and %d emails reached someone not among the %d people", len(texts), len(emails), len(people))
	}
	return len(texts)
}

// TestShortOutageIsRiddenOut: Twilio answers every request 503 for a
// while, then recovers. With the default breaker threshold the circuit
// opens; the dispatcher waits out its cooldown within the send deadline
// instead of moving people on, so everyone is told once, by SMS, and
// nobody by email.
func TestShortOutageIsRiddenOut(t *testing.T) {
	const n = 200
	b := newFaultBed(t)
	front := newScriptedFront(t, b.twilio.URL(), twilioTo)
	front.downReply = &notifiertest.HTTPReply{Status: 503, Body: "<html>Service Unavailable</html>"}
	front.down.Store(true)
	cfg := faultConfig(t, b.smtp, front.srv.URL, b.fcm.URL())
	cfg.Workers, cfg.BreakerCooldown = 32, 200*time.Millisecond
	h := startConfigured(t, cfg, b.logs)
	openIncident(t, h)
	// The outage ends once the provider has been hit by more failures
	// than the breaker threshold: it surely opened.
	go func() {
		for front.Requests() <= cfg.BreakerThreshold+5 {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
		front.down.Store(false)
	}()
	people := faultPeople(0, n, incident.ChannelSMS, incident.ChannelEmail)
	v := addPeople(t, h, people, n)
	if pr := v.Progress; pr.Sent != n || pr.ByChannel[incident.ChannelSMS].Sent != n || pr.ByChannel[incident.ChannelEmail].Sent != 0 {
		t.Errorf("progress %s, want all %d told by SMS after the outage", describe(v), n)
	}
	if got := len(emailsTo(b.smtp)); got != 0 {
		t.Errorf("%d people were emailed: the outage moved them off SMS", got)
	}
	toldOnceEach(t, b, people)
	ch := circuitChanges(t, b.logs, incident.ChannelSMS)
	if len(ch) == 0 || ch[0] != "closed>open" || ch[len(ch)-1] != "half_open>closed" {
		t.Errorf("breaker %v; want it opened by the outage and closed after", ch)
	}
	assertNoContactLogged(t, b.logs, people)
}
