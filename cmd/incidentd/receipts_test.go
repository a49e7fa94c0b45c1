package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/incident/store/sqlite"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/sms/smstest"
)

const (
	rcIncident = "INC-RCPT-1"
	rcSubject  = "subj-7f3a"
	rcPhone    = "+14155550199"
	rcEmail    = "dana.reyes@example.org"
	rcToken    = "receipts-token-for-tests"
	rcText     = "Your account data was exposed. Reset your password."
	bearer     = "Bearer " + rcToken
)

// rcFixture is a real SQLite store with one incident that notifies one
// person, the receipt routes served on 127.0.0.1 and a fake Twilio.
type rcFixture struct {
	st     *sqlite.Store
	url    string // base URL of the HTTP API
	cfg    Config
	twilio *smstest.Server
	kicks  atomic.Int32
	logs   *observer.ObservedLogs
	key    store.DeliveryKey
}

func newRCFixture(t *testing.T, mod func(*Config)) *rcFixture {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewUnstartedServer(nil)
	f := &rcFixture{st: st, url: "http://" + srv.Listener.Addr().String(), twilio: smstest.NewServer(t),
		key: store.DeliveryKey{IncidentID: rcIncident, SubjectID: rcSubject}}
	f.cfg = DefaultConfig()
	f.cfg.DataDir = t.TempDir()
	f.cfg.TwilioAccountSID, f.cfg.TwilioAuthToken = smstest.AccountSID, smstest.AuthToken
	f.cfg.TwilioFrom, f.cfg.TwilioBaseURL = smstest.From, f.twilio.URL()
	f.cfg.TwilioStatusCallbackURL = f.url + "/webhooks/twilio/status"
	f.cfg.ReceiptsToken = rcToken
	if mod != nil {
		mod(&f.cfg)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	f.logs = logs
	rc, err := newReceipts(st, zap.New(core), f.cfg, func() { f.kicks.Add(1) })
	if err != nil {
		t.Fatalf("newReceipts: %v", err)
	}
	api := &httpAPI{store: st, log: zap.New(core), metrics: newMetrics(), receipts: rc}
	srv.Config.Handler = api.routes()
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { f.assertNoContactInLogs(t) })
	f.seed(t)
	return f
}

// seed opens an incident that notifies its one subject.
func (f *rcFixture) seed(t *testing.T) {
	t.Helper()
	now := time.Now().UTC()
	inc := incident.Incident{ID: rcIncident, Status: incident.StatusOpen, OpenedAt: now, UpdatedAt: now,
		Facts:    incident.Facts{IncidentID: rcIncident, Title: "Support database exposed", Kind: incident.KindPersonalDataBreach},
		Decision: incident.Decision{IncidentID: rcIncident, NotifySubjects: true}}
	subj := incident.Subject{ID: rcSubject, Name: "Dana Reyes", Locale: "en", Email: rcEmail, Phone: rcPhone,
		Channels: []string{incident.ChannelSMS, incident.ChannelEmail}}
	_, err := f.st.ApplyEvent(context.Background(), "open-"+rcIncident, rcIncident, incident.TypeOpened, func(tx store.Tx) error {
		if err := tx.PutIncident(inc); err != nil {
			return err
		}
		_, err := tx.AddSubjects(rcIncident, []incident.Subject{subj})
		return err
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// sendSMS sends the person a text through the SMS channel incidentd builds
// from f.cfg and records it as the dispatcher would: a sent attempt with
// Twilio's SID, the person told on sms, their job queued. It returns the
// message as the fake Twilio received it.
func (f *rcFixture) sendSMS(t *testing.T) smstest.Message {
	t.Helper()
	ctx := context.Background()
	chans, err := buildChannels(ctx, f.cfg, zap.NewNop())
	if err != nil {
		t.Fatalf("buildChannels: %v", err)
	}
	r, err := chans[incident.ChannelSMS].Notify(ctx, notifier.Delivery{IncidentID: rcIncident, SubjectID: rcSubject,
		Channel: incident.ChannelSMS, To: []string{rcPhone}, Message: notifier.Message{Text: rcText}})
	if err != nil {
		t.Fatalf("send sms: %v", err)
	}
	f.recordSent(t, incident.ChannelSMS, r)
	msgs := f.twilio.Messages()
	return msgs[len(msgs)-1]
}

// recordSent records a send on channel with receipt r and the person as
// told on that channel, their job done.
func (f *rcFixture) recordSent(t *testing.T, channel string, r notifier.Receipt) {
	t.Helper()
	ctx := context.Background()
	a := store.Attempt{IncidentID: rcIncident, SubjectID: rcSubject, Channel: channel}
	if ok, err := f.st.ClaimAttempt(ctx, a); err != nil || !ok {
		t.Fatalf("claim %s: %v, %v", channel, ok, err)
	}
	a.Status, a.Provider, a.ProviderID, a.Tries = incident.AttemptSent, r.Provider, r.ProviderID, 1
	err := errors.Join(f.st.FinishAttempt(ctx, a), // arguments run in order
		f.st.SetOutcome(ctx, rcIncident, rcSubject, incident.OutcomeSent, channel),
		f.st.MarkQueued(ctx, []store.DeliveryKey{f.key}))
	if err != nil {
		t.Fatalf("record %s send: %v", channel, err)
	}
}

// state is what a receipt may change: the person's outcome, whether they
// are listed for a new job, the ledger and how often the enqueuer was woken.
type rcState struct {
	outcome  string
	toQueue  bool
	attempts []store.Attempt
	kicks    int32
}

func (f *rcFixture) state(t *testing.T) rcState {
	t.Helper()
	ctx := context.Background()
	d, errD := f.st.Delivery(ctx, f.key)
	keys, errQ := f.st.ToQueue(ctx, 10)
	attempts, errA := f.st.Attempts(ctx, rcIncident, rcSubject)
	if err := errors.Join(errD, errQ, errA); err != nil {
		t.Fatalf("read state: %v", err)
	}
	return rcState{d.Outcome, slices.Contains(keys, f.key), attempts, f.kicks.Load()}
}

func (s rcState) attempt(channel string) store.Attempt {
	for _, a := range s.attempts {
		if a.Channel == channel {
			return a
		}
	}
	return store.Attempt{}
}

func (f *rcFixture) assertNoContactInLogs(t *testing.T) {
	t.Helper()
	for _, e := range f.logs.All() {
		line := fmt.Sprint(e.Message, e.ContextMap())
		for _, secret := range []string{rcPhone, strings.TrimPrefix(rcPhone, "+"), smstest.From, rcEmail, rcText, "Dana"} {
			if strings.Contains(line, secret) {
				t.Errorf("log line %q contains %q", line, secret)
			}
		}
	}
}

func (f *rcFixture) logged(msg string) bool {
	return f.logs.FilterMessageSnippet(msg).Len() > 0
}

func mustStatus(t *testing.T, what string, got int, err error, want int) {
	t.Helper()
	if err != nil || got != want {
		t.Fatalf("%s: status %d, err %v; want %d", what, got, err, want)
	}
}

// TestTwilioUndeliveredFallsBack: Twilio took the text, then reported it
// undelivered; the person is pending again, listed for a new job, and the
// enqueuer is woken once. A repeated callback changes nothing.
func TestTwilioUndeliveredFallsBack(t *testing.T) {
	f := newRCFixture(t, nil)
	m := f.sendSMS(t)
	if m.StatusCallback != f.cfg.TwilioStatusCallbackURL {
		t.Fatalf("message created with StatusCallback %q, want %q", m.StatusCallback, f.cfg.TwilioStatusCallbackURL)
	}
	before := f.state(t)
	if before.outcome != incident.OutcomeSent || before.toQueue {
		t.Fatalf("before: outcome %s, to queue %v; want sent and not listed", before.outcome, before.toQueue)
	}
	for _, status := range []string{"sent", "delivered"} {
		code, err := f.twilio.ReportStatus(m, status, "")
		mustStatus(t, status, code, err, http.StatusNoContent)
	}
	if got := f.state(t); got.outcome != incident.OutcomeSent || got.kicks != 0 {
		t.Fatalf("after delivered: outcome %s, kicks %d; want sent, 0", got.outcome, got.kicks)
	}

	code, err := f.twilio.ReportStatus(m, "undelivered", "30003")
	mustStatus(t, "undelivered", code, err, http.StatusNoContent)
	after := f.state(t)
	a := after.attempt(incident.ChannelSMS)
	if after.outcome != incident.OutcomePending || !after.toQueue || after.kicks != 1 {
		t.Errorf("after undelivered: outcome %s, to queue %v, kicks %d; want pending, listed, 1",
			after.outcome, after.toQueue, after.kicks)
	}
	if a.Status != incident.AttemptFailed || a.Error != "twilio undelivered 30003" || a.ProviderID != m.SID {
		t.Errorf("sms attempt = %+v, want failed with reason %q", a, "twilio undelivered 30003")
	}
	if !f.logged("falls back to the next channel") {
		t.Error("the fallback was not logged")
	}

	code, err = f.twilio.ReportStatus(m, "undelivered", "30003")
	mustStatus(t, "repeated callback", code, err, http.StatusNoContent)
	code, err = f.twilio.ReportStatus(m, "failed", "30008")
	mustStatus(t, "later failed callback", code, err, http.StatusNoContent)
	if again := f.state(t); again.kicks != 1 || again.attempt(incident.ChannelSMS) != a {
		t.Errorf("repeated callbacks changed something: kicks %d, attempt %+v", again.kicks, again.attempt(incident.ChannelSMS))
	}
}

// TestTwilioToldElsewhereStaysTold: a late SMS failure for a person whose
// outcome rests on another channel marks the attempt failed only.
func TestTwilioToldElsewhereStaysTold(t *testing.T) {
	f := newRCFixture(t, nil)
	m := f.sendSMS(t)
	if err := f.st.SetOutcome(context.Background(), rcIncident, rcSubject, incident.OutcomeSent, incident.ChannelEmail); err != nil {
		t.Fatal(err)
	}
	code, err := f.twilio.ReportStatus(m, "failed", "30005")
	mustStatus(t, "failed", code, err, http.StatusNoContent)
	got := f.state(t)
	if got.outcome != incident.OutcomeSent || got.toQueue || got.kicks != 0 {
		t.Errorf("outcome %s, to queue %v, kicks %d; want sent, not listed, 0", got.outcome, got.toQueue, got.kicks)
	}
	if a := got.attempt(incident.ChannelSMS); a.Status != incident.AttemptFailed || a.Error != "twilio failed 30005" {
		t.Errorf("sms attempt = %+v, want failed", a)
	}
}

// TestTwilioSignatureRefused: an unsigned, wrongly signed or altered
// callback is refused and changes nothing.
func TestTwilioSignatureRefused(t *testing.T) {
	f := newRCFixture(t, nil)
	m := f.sendSMS(t)
	target := f.cfg.TwilioStatusCallbackURL
	form := smstest.StatusForm(m, "undelivered", "30003")
	valid := smstest.Sign(smstest.AuthToken, target, form)
	tampered := smstest.StatusForm(m, "undelivered", "30005")
	cases := map[string]struct {
		sig  string
		form map[string][]string
	}{
		"missing":         {"", form},
		"wrong token":     {smstest.Sign("ffffffffffffffffffffffffffffffff", target, form), form},
		"tampered params": {valid, tampered},
	}
	for name, c := range cases {
		code, err := smstest.PostSigned(target, c.form, c.sig)
		mustStatus(t, name, code, err, http.StatusForbidden)
	}
	if got := f.state(t); got.outcome != incident.OutcomeSent || got.kicks != 0 ||
		got.attempt(incident.ChannelSMS).Status != incident.AttemptSent {
		t.Errorf("a refused callback changed the state: %+v", got)
	}
}

// TestTwilioUnknownSID: a callback for a message this Herald never sent is
// acknowledged, so Twilio stops retrying, and logged without contact data.
func TestTwilioUnknownSID(t *testing.T) {
	f := newRCFixture(t, nil)
	other := smstest.Message{SID: "SM" + strings.Repeat("9", 32), To: rcPhone, From: smstest.From}
	code, err := smstest.PostStatus(f.cfg.TwilioStatusCallbackURL, f.cfg.TwilioStatusCallbackURL,
		smstest.StatusForm(other, "undelivered", "30003"))
	mustStatus(t, "unknown sid", code, err, http.StatusNoContent)
	if !f.logged("not in the ledger") {
		t.Error("the unknown message was not logged")
	}
	if f.kicks.Load() != 0 {
		t.Error("an unknown message woke the enqueuer")
	}
}

// TestTwilioStoreDownAsksForRetry: when the late failure cannot be
// recorded, Twilio is told 500 so it posts again.
func TestTwilioStoreDownAsksForRetry(t *testing.T) {
	f := newRCFixture(t, nil)
	m := f.sendSMS(t)
	f.st.Close()
	code, err := f.twilio.ReportStatus(m, "undelivered", "30003")
	mustStatus(t, "store closed", code, err, http.StatusInternalServerError)
}

// postReceipt posts body to /api/v1/receipts with auth as the
// Authorization header (none when "") and returns the status and answer.
func (f *rcFixture) postReceipt(t *testing.T, auth, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.url+"/api/v1/receipts", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestGenericReceiptFallsBack: an SMTP bounce processor reports a sent
// email failed; the person goes back to pending.
func TestGenericReceiptFallsBack(t *testing.T) {
	f := newRCFixture(t, nil)
	const msgID = "<20261119.7f3a.herald@notices.example.com>"
	f.recordSent(t, incident.ChannelEmail, notifier.Receipt{Provider: "smtp", ProviderID: msgID})
	body := `{"provider":"smtp","provider_id":"` + msgID + `","status":"failed","reason":"bounced 5.1.1 mailbox unknown"}`
	if code, ans := f.postReceipt(t, bearer, body); code != http.StatusNoContent {
		t.Fatalf("status %d (%s), want 204", code, ans)
	}
	got := f.state(t)
	if got.outcome != incident.OutcomePending || !got.toQueue || got.kicks != 1 {
		t.Errorf("outcome %s, to queue %v, kicks %d; want pending, listed, 1", got.outcome, got.toQueue, got.kicks)
	}
	if a := got.attempt(incident.ChannelEmail); a.Status != incident.AttemptFailed || a.Error != "smtp bounced 5.1.1 mailbox unknown" {
		t.Errorf("email attempt = %+v, want failed with the reason", a)
	}
	if code, _ := f.postReceipt(t, bearer, body); code != http.StatusNoContent || f.kicks.Load() != 1 {
		t.Errorf("repeated receipt: status %d, kicks %d; want 204 and no new kick", code, f.kicks.Load())
	}
	unknown := `{"provider":"fcm","provider_id":"projects/p/messages/0:1","status":"failed","reason":"UNREGISTERED"}`
	if code, _ := f.postReceipt(t, bearer, unknown); code != http.StatusNoContent {
		t.Errorf("unknown provider id: status %d, want 204", code)
	}
}

func TestGenericReceiptAuth(t *testing.T) {
	f := newRCFixture(t, nil)
	body := `{"provider":"smtp","provider_id":"x","status":"failed","reason":"bounced"}`
	cases := map[string]string{"none": "", "wrong": "Bearer not-the-token", "prefix": "Bearer " + rcToken[:5],
		"empty": "Bearer ", "token alone": rcToken, "basic": "Basic aGVyYWxkOg=="}
	for name, auth := range cases {
		if code, _ := f.postReceipt(t, auth, body); code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, code)
		}
	}
}

// TestGenericReceiptValidation: each bad receipt is refused with 400
// naming the field, and the answer never echoes the refused reason.
func TestGenericReceiptValidation(t *testing.T) {
	f := newRCFixture(t, nil)
	r := func(provider, id, status, reason string) string {
		return fmt.Sprintf(`{"provider":%q,"provider_id":%q,"status":%q,"reason":%q}`, provider, id, status, reason)
	}
	cases := []struct{ name, body, field string }{
		{"unknown provider", r("sendgrid", "x", "failed", "bounced"), "provider"},
		{"outbox", r("outbox", "x", "failed", "bounced"), "provider"},
		{"no provider id", r("smtp", "", "failed", "bounced"), "provider_id"},
		{"status bounced", r("smtp", "x", "bounced", "5.1.1"), "status"},
		{"no status", r("smtp", "x", "", "bounced"), "status"},
		{"email in a delivery's reason", r("smtp", "x", "delivered", "250 ok <"+rcEmail+">"), "reason"},
		{"blank delivery reason", r("smtp", "x", "delivered", " "), "reason"},
		{"no reason", r("smtp", "x", "failed", " "), "reason"},
		{"long reason", r("smtp", "x", "failed", strings.Repeat("a", 201)), "reason"},
		{"control char", r("smtp", "x", "failed", "bounced\nFrom: x"), "reason"},
		{"email in reason", r("smtp", "x", "failed", "550 5.1.1 <"+rcEmail+"> unknown"), "reason"},
		{"digits in reason", r("twilio", "x", "failed", "handset 14155550199 off"), "reason"},
		{"spaced number", r("twilio", "x", "failed", "handset +1 (415) 555-0199 off"), "reason"},
		{"unknown field", `{"provider":"smtp","provider_id":"x","status":"failed","reason":"b","to":"` + rcEmail + `"}`, "body"},
		{"not json", `provider=smtp`, "body"},
		{"too big", r("smtp", strings.Repeat("x", maxReceiptBytes), "failed", "bounced"), "body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, ans := f.postReceipt(t, bearer, c.body)
			if code != http.StatusBadRequest || !strings.Contains(ans, `"field": "`+c.field+`"`) {
				t.Errorf("status %d, answer %s; want 400 naming %s", code, ans, c.field)
			}
			for _, secret := range []string{rcEmail, "14155550199", "555-0199"} {
				if strings.Contains(ans, secret) {
					t.Errorf("answer %s echoes %q", ans, secret)
				}
			}
		})
	}
	if f.kicks.Load() != 0 {
		t.Error("a refused receipt woke the enqueuer")
	}
}

// TestReceiptRoutesOnlyWhenConfigured: no token, no generic endpoint; no
// callback URL or no auth token, no Twilio route; a bad URL stops the start.
func TestReceiptRoutesOnlyWhenConfigured(t *testing.T) {
	off := newRCFixture(t, func(c *Config) { c.ReceiptsToken, c.TwilioStatusCallbackURL = "", "" })
	noToken := newRCFixture(t, func(c *Config) { c.TwilioAccountSID, c.TwilioAuthToken = "", "" })
	for _, u := range []string{off.url + "/api/v1/receipts", off.url + "/webhooks/twilio/status", noToken.url + "/webhooks/twilio/status"} {
		resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader("MessageSid=SM1"))
		if err != nil || resp.StatusCode != http.StatusNotFound {
			t.Fatalf("POST %s: %v, %v; want 404", u, resp, err)
		}
		resp.Body.Close()
	}
	if !noToken.logged("without a Twilio auth token") {
		t.Error("a callback URL without an auth token was not warned about")
	}
	cfg := DefaultConfig()
	cfg.TwilioAuthToken, cfg.TwilioStatusCallbackURL = smstest.AuthToken, "/webhooks/twilio/status"
	if _, err := newReceipts(off.st, zap.NewNop(), cfg, nil); err == nil || !strings.Contains(err.Error(), "twilio_status_callback_url") {
		t.Errorf("relative callback URL: err %v, want one naming twilio_status_callback_url", err)
	}
}

// TestReceiptSettingsLoad: the callback URL from the environment, the
// receipts token as a secret from a _FILE.
func TestReceiptSettingsLoad(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "receipts-token")
	if err := os.WriteFile(secret, []byte(rcToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HERALD_RECEIPTS_TOKEN_FILE": secret,
		"HERALD_TWILIO_STATUS_CALLBACK_URL": "https://herald.example.com/webhooks/twilio/status"}
	cfg, err := LoadConfig(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ReceiptsToken != rcToken || cfg.TwilioStatusCallbackURL != env["HERALD_TWILIO_STATUS_CALLBACK_URL"] {
		t.Errorf("receipts token set %v, callback URL %q", cfg.ReceiptsToken == rcToken, cfg.TwilioStatusCallbackURL)
	}
}

// progress is the store's count for the fixture's incident.
func (f *rcFixture) progress(t *testing.T) incident.Progress {
	t.Helper()
	p, err := f.st.Progress(context.Background(), rcIncident)
	if err != nil {
		t.Fatalf("progress: %v", err)
	}
	return p
}

// TestTwilioDeliveredMarksLedger: Twilio's "delivered" marks the sent
// text delivered once; the person stays told and nothing is woken.
func TestTwilioDeliveredMarksLedger(t *testing.T) {
	f := newRCFixture(t, nil)
	m := f.sendSMS(t)
	before := f.state(t)
	for _, status := range []string{"sent", "delivered", "delivered"} {
		code, err := f.twilio.ReportStatus(m, status, "")
		mustStatus(t, status, code, err, http.StatusNoContent)
	}
	if c := f.progress(t).ByChannel[incident.ChannelSMS]; c != (incident.ChannelProgress{Sent: 1, Delivered: 1}) {
		t.Errorf("sms progress = %+v; want 1 sent, 1 delivered", c)
	}
	after := f.state(t)
	if after.outcome != incident.OutcomeSent || after.toQueue || after.kicks != 0 ||
		after.attempt(incident.ChannelSMS) != before.attempt(incident.ChannelSMS) {
		t.Errorf("after delivered: %+v; want the state before it %+v", after, before)
	}

	other := smstest.Message{SID: "SM" + strings.Repeat("9", 32), To: rcPhone, From: smstest.From}
	code, err := smstest.PostStatus(f.cfg.TwilioStatusCallbackURL, f.cfg.TwilioStatusCallbackURL,
		smstest.StatusForm(other, "delivered", ""))
	mustStatus(t, "unknown sid", code, err, http.StatusNoContent)
	if !f.logged("delivery receipt for a message not in the ledger") {
		t.Error("the unknown message was not logged")
	}
}

// TestTwilioDeliveredAfterFailure: a "delivered" arriving after the text
// was reported undelivered does not count it delivered.
func TestTwilioDeliveredAfterFailure(t *testing.T) {
	f := newRCFixture(t, nil)
	m := f.sendSMS(t)
	code, err := f.twilio.ReportStatus(m, "undelivered", "30003")
	mustStatus(t, "undelivered", code, err, http.StatusNoContent)
	code, err = f.twilio.ReportStatus(m, "delivered", "")
	mustStatus(t, "delivered", code, err, http.StatusNoContent)
	if c := f.progress(t).ByChannel[incident.ChannelSMS]; c != (incident.ChannelProgress{Failed: 1}) {
		t.Errorf("sms progress = %+v; want 1 failed, none delivered", c)
	}
	if got := f.state(t); got.outcome != incident.OutcomePending || got.kicks != 1 {
		t.Errorf("outcome %s, kicks %d; want pending after the failure, 1 kick", got.outcome, got.kicks)
	}
}

// TestTwilioDeliveredStoreDownAsksForRetry: a delivery that cannot be
// recorded is answered 500, so Twilio posts again.
func TestTwilioDeliveredStoreDownAsksForRetry(t *testing.T) {
	f := newRCFixture(t, nil)
	m := f.sendSMS(t)
	f.st.Close()
	code, err := f.twilio.ReportStatus(m, "delivered", "")
	mustStatus(t, "store closed", code, err, http.StatusInternalServerError)
}

// TestTwilioDeliveredRefusedUnsigned: a forged "delivered" marks nothing.
func TestTwilioDeliveredRefusedUnsigned(t *testing.T) {
	f := newRCFixture(t, nil)
	m := f.sendSMS(t)
	target := f.cfg.TwilioStatusCallbackURL
	form := smstest.StatusForm(m, "delivered", "")
	code, err := smstest.PostSigned(target, form, smstest.Sign("ffffffffffffffffffffffffffffffff", target, form))
	mustStatus(t, "wrongly signed", code, err, http.StatusForbidden)
	if c := f.progress(t).ByChannel[incident.ChannelSMS]; c.Delivered != 0 {
		t.Errorf("sms progress = %+v; want none delivered", c)
	}
}

// TestGenericReceiptDelivered: a processor confirms an email delivered,
// with or without a reason; repeats and unknown ids are acknowledged.
func TestGenericReceiptDelivered(t *testing.T) {
	f := newRCFixture(t, nil)
	const msgID = "<20261119.7f3a.herald@notices.example.com>"
	f.recordSent(t, incident.ChannelEmail, notifier.Receipt{Provider: "smtp", ProviderID: msgID})
	before := f.state(t)
	for _, body := range []string{
		`{"provider":"smtp","provider_id":"` + msgID + `","status":"delivered"}`,
		`{"provider":"smtp","provider_id":"` + msgID + `","status":"delivered","reason":"250 2.0.0 queued as 4XyZ"}`,
		`{"provider":"fcm","provider_id":"projects/p/messages/0:1","status":"delivered"}`,
	} {
		if code, ans := f.postReceipt(t, bearer, body); code != http.StatusNoContent {
			t.Fatalf("%s: status %d (%s), want 204", body, code, ans)
		}
	}
	if c := f.progress(t).ByChannel[incident.ChannelEmail]; c != (incident.ChannelProgress{Sent: 1, Delivered: 1}) {
		t.Errorf("email progress = %+v; want 1 sent, 1 delivered", c)
	}
	if after := f.state(t); after.outcome != incident.OutcomeSent || after.kicks != 0 ||
		after.attempt(incident.ChannelEmail) != before.attempt(incident.ChannelEmail) {
		t.Errorf("after delivered: %+v; want the state before it %+v", after, before)
	}
	if !f.logged("delivery receipt for a message not in the ledger") {
		t.Error("the unknown message was not logged")
	}
	body := `{"provider":"smtp","provider_id":"` + msgID + `","status":"delivered"}`
	if code, _ := f.postReceipt(t, "Bearer not-the-token", body); code != http.StatusUnauthorized {
		t.Errorf("delivered without the token: status %d, want 401", code)
	}
}
