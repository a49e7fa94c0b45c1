package sms_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier/sms"
	"github.com/herald-notify/herald/notifier/sms/smstest"
)

const callbackPath = "/webhooks/twilio/status"

// lateCall is one call of the LateFailure func, or of the Delivered func
// (status "delivered").
type lateCall struct{ sid, status, code string }

// lateCalls records what the handler passed on; err is returned to it.
type lateCalls struct {
	mu    sync.Mutex
	calls []lateCall
	err   error
}

func (l *lateCalls) record(_ context.Context, sid, status, code string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, lateCall{sid, status, code})
	return l.err
}

func (l *lateCalls) delivered(ctx context.Context, sid string) error {
	return l.record(ctx, sid, "delivered", "")
}

func (l *lateCalls) got() []lateCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

// callbackServer serves a StatusCallback on 127.0.0.1 and returns the URL
// requests go to. publicURL is what the handler verifies signatures over;
// "" means the server's own URL, as when Twilio reaches Herald directly.
func callbackServer(t *testing.T, publicURL string, calls *lateCalls, log *zap.Logger) (target string, h *sms.StatusCallback) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	target = "http://" + srv.Listener.Addr().String() + callbackPath
	if publicURL == "" {
		publicURL = target
	}
	h, err := sms.NewStatusCallback(sms.StatusCallbackConfig{AuthToken: smstest.AuthToken, URL: publicURL,
		OnFailure: calls.record, OnDelivered: calls.delivered, Log: log})
	if err != nil {
		t.Fatalf("NewStatusCallback: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+callbackPath, h)
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return target, h
}

// sentMessage sends one SMS through a fake Twilio with callbackURL as the
// StatusCallback, and returns the fake and the message it recorded.
func sentMessage(t *testing.T, callbackURL string) (*smstest.Server, smstest.Message) {
	t.Helper()
	s := smstest.NewServer(t)
	n := newNotifier(t, s.Config(), func(c *sms.Config) { c.StatusCallbackURL = callbackURL })
	r, err := n.Notify(context.Background(), delivery())
	if err != nil {
		t.Fatalf("Notify: %v", err)
	}
	m := s.Messages()[0]
	if m.SID != r.ProviderID {
		t.Fatalf("fake recorded sid %s, receipt says %s", m.SID, r.ProviderID)
	}
	return s, m
}

func TestNotifyAsksForStatusCallback(t *testing.T) {
	s := smstest.NewServer(t)
	if _, err := newNotifier(t, s.Config(), nil).Notify(context.Background(), delivery()); err != nil {
		t.Fatal(err)
	}
	if got := s.Messages()[0]; got.StatusCallback != "" || got.Form.Has("StatusCallback") {
		t.Errorf("StatusCallback %q sent without being configured", got.StatusCallback)
	}
	const public = "https://herald.example.com/webhooks/twilio/status"
	if _, m := sentMessage(t, public); m.StatusCallback != public {
		t.Errorf("StatusCallback = %q, want %q", m.StatusCallback, public)
	}
}

// TestLateFailureReachesTheHandler is the whole path: a message sent with
// a StatusCallback, then Twilio's signed callback for it.
func TestLateFailureReachesTheHandler(t *testing.T) {
	calls := &lateCalls{}
	target, _ := callbackServer(t, "", calls, nil)
	twilio, m := sentMessage(t, target)
	for _, st := range []struct{ status, code string }{{"queued", ""}, {"sent", ""}, {"undelivered", "30003"}} {
		code, err := twilio.ReportStatus(m, st.status, st.code)
		if err != nil || code != http.StatusNoContent {
			t.Fatalf("callback %s: status %d, err %v; want 204", st.status, code, err)
		}
	}
	want := []lateCall{{m.SID, "undelivered", "30003"}}
	if got := calls.got(); !slices.Equal(got, want) {
		t.Errorf("late failures = %v, want %v", got, want)
	}
}

func TestStatuses(t *testing.T) {
	m := smstest.Message{SID: "SM" + strings.Repeat("0", 31) + "7", To: testTo, From: smstest.From}
	cases := []struct {
		status, code string
		want         []lateCall
	}{
		{"accepted", "", nil}, {"queued", "", nil}, {"sending", "", nil}, {"sent", "", nil},
		{"read", "", nil}, {"canceled", "", nil},
		{"delivered", "", []lateCall{{m.SID, "delivered", ""}}},
		{"delivered", "30003", []lateCall{{m.SID, "delivered", ""}}},
		{"undelivered", "30003", []lateCall{{m.SID, "undelivered", "30003"}}},
		{"failed", "30008", []lateCall{{m.SID, "failed", "30008"}}},
		{"failed", "", []lateCall{{m.SID, "failed", ""}}},
		{"undelivered", "30005 " + testTo, []lateCall{{m.SID, "undelivered", ""}}}, // only a number is kept
	}
	for _, c := range cases {
		t.Run(c.status+"_"+c.code, func(t *testing.T) {
			calls := &lateCalls{}
			target, _ := callbackServer(t, "", calls, nil)
			code, err := smstest.PostStatus(target, target, smstest.StatusForm(m, c.status, c.code))
			if err != nil || code != http.StatusNoContent {
				t.Fatalf("status %d, err %v; want 204", code, err)
			}
			if got := calls.got(); !slices.Equal(got, c.want) {
				t.Errorf("late failures = %v, want %v", got, c.want)
			}
		})
	}
}

// TestSignatureRefused: nothing unsigned, wrongly signed or altered after
// signing reaches OnFailure.
func TestSignatureRefused(t *testing.T) {
	m := smstest.Message{SID: "SM" + strings.Repeat("1", 32), To: testTo, From: smstest.From}
	calls := &lateCalls{}
	target, _ := callbackServer(t, "", calls, nil)
	form := smstest.StatusForm(m, "undelivered", "30003")
	tampered := func(key, val string) (url.Values, string) {
		sig := smstest.Sign(smstest.AuthToken, target, form)
		f := url.Values{}
		for k, v := range form {
			f[k] = slices.Clone(v)
		}
		f.Set(key, val)
		return f, sig
	}
	cases := map[string]func() (url.Values, string){
		"missing": func() (url.Values, string) { return form, "" },
		"garbage": func() (url.Values, string) { return form, "not-a-signature" },
		"wrong token": func() (url.Values, string) {
			return form, smstest.Sign("ffffffffffffffffffffffffffffffff", target, form)
		},
		"other url":     func() (url.Values, string) { return form, smstest.Sign(smstest.AuthToken, target+"?x=1", form) },
		"tampered sid":  func() (url.Values, string) { return tampered("MessageSid", "SM"+strings.Repeat("2", 32)) },
		"tampered code": func() (url.Values, string) { return tampered("ErrorCode", "30005") },
		"added field":   func() (url.Values, string) { return tampered("Extra", "1") },
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			f, sig := mk()
			code, err := smstest.PostSigned(target, f, sig)
			if err != nil || code != http.StatusForbidden {
				t.Errorf("status %d, err %v; want 403", code, err)
			}
		})
	}
	if got := calls.got(); len(got) != 0 {
		t.Errorf("refused callbacks reached OnFailure: %v", got)
	}
}

// TestBehindProxy: Twilio signs the public URL it was given, not the one
// the request arrives on.
func TestBehindProxy(t *testing.T) {
	const public = "https://herald.example.com" + callbackPath
	m := smstest.Message{SID: "SM" + strings.Repeat("3", 32), To: testTo, From: smstest.From}
	calls := &lateCalls{}
	target, _ := callbackServer(t, public, calls, nil)
	form := smstest.StatusForm(m, "failed", "30006")
	if code, err := smstest.PostStatus(target, target, form); err != nil || code != http.StatusForbidden {
		t.Errorf("signed for the local URL: status %d, err %v; want 403", code, err)
	}
	if code, err := smstest.PostStatus(target, public, form); err != nil || code != http.StatusNoContent {
		t.Errorf("signed for the public URL: status %d, err %v; want 204", code, err)
	}
	if got, want := calls.got(), []lateCall{{m.SID, "failed", "30006"}}; !slices.Equal(got, want) {
		t.Errorf("late failures = %v, want %v", got, want)
	}
}

func TestBadRequests(t *testing.T) {
	calls := &lateCalls{}
	target, _ := callbackServer(t, "", calls, nil)
	noSID := smstest.StatusForm(smstest.Message{To: testTo, From: smstest.From}, "undelivered", "30003")
	noSID.Del("MessageSid")
	badSID := smstest.StatusForm(smstest.Message{SID: testTo, To: testTo}, "failed", "")
	huge := smstest.StatusForm(smstest.Message{SID: "SM" + strings.Repeat("4", 32)}, "failed", "")
	huge.Set("Padding", strings.Repeat("x", sms.MaxCallbackBytes))
	cases := map[string]struct {
		form url.Values
		want int
	}{
		"no MessageSid":  {noSID, http.StatusBadRequest},
		"malformed sid":  {badSID, http.StatusBadRequest},
		"body too large": {huge, http.StatusRequestEntityTooLarge},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if code, err := smstest.PostStatus(target, target, c.form); err != nil || code != c.want {
				t.Errorf("status %d, err %v; want %d", code, err, c.want)
			}
		})
	}
	resp, err := http.Get(target)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %v, %v; want 405", resp, err)
	}
	if err == nil {
		resp.Body.Close()
	}
	if got := calls.got(); len(got) != 0 {
		t.Errorf("bad requests reached OnFailure: %v", got)
	}
}

// TestFailureAsksForRetry: if the late failure or the delivery could not
// be recorded, Twilio must post again, so the answer is 500.
func TestFailureAsksForRetry(t *testing.T) {
	calls := &lateCalls{err: errors.New("record late failure: database is locked")}
	target, _ := callbackServer(t, "", calls, nil)
	m := smstest.Message{SID: "SM" + strings.Repeat("5", 32), To: testTo, From: smstest.From}
	for _, status := range []string{"undelivered", "delivered"} {
		code, err := smstest.PostStatus(target, target, smstest.StatusForm(m, status, "30003"))
		if err != nil || code != http.StatusInternalServerError {
			t.Errorf("%s: status %d, err %v; want 500", status, code, err)
		}
	}
}

// TestDeliveredWithoutHandler: without OnDelivered a delivered message is
// acknowledged and nothing else is called.
func TestDeliveredWithoutHandler(t *testing.T) {
	calls := &lateCalls{}
	srv := httptest.NewUnstartedServer(nil)
	target := "http://" + srv.Listener.Addr().String() + callbackPath
	h, err := sms.NewStatusCallback(sms.StatusCallbackConfig{AuthToken: smstest.AuthToken, URL: target,
		OnFailure: calls.record})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	m := smstest.Message{SID: "SM" + strings.Repeat("8", 32), To: testTo, From: smstest.From}
	if code, err := smstest.PostStatus(target, target, smstest.StatusForm(m, "delivered", "")); err != nil || code != http.StatusNoContent {
		t.Errorf("status %d, err %v; want 204", code, err)
	}
	if got := calls.got(); len(got) != 0 {
		t.Errorf("delivered reached OnFailure: %v", got)
	}
}

// TestNoNumbersInLogsOrAnswers drives every outcome of the handler with a
// form carrying the person's number and checks neither the logs nor any
// answer contain it.
func TestNoNumbersInLogsOrAnswers(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	calls := &lateCalls{err: errors.New("record late failure: store closed")}
	_, h := callbackServer(t, "https://herald.example.com"+callbackPath, calls, zap.New(core))
	m := smstest.Message{SID: "SM" + strings.Repeat("6", 32), To: testTo, From: smstest.From}
	signed := func(f url.Values) string {
		return smstest.Sign(smstest.AuthToken, "https://herald.example.com"+callbackPath, f)
	}
	noSID := smstest.StatusForm(m, "failed", "")
	noSID.Del("MessageSid")
	forms := map[string]struct {
		form url.Values
		sig  string
	}{
		"500":           {smstest.StatusForm(m, "undelivered", "30003"), ""},
		"204":           {smstest.StatusForm(m, "sent", ""), ""},
		"500 delivered": {smstest.StatusForm(m, "delivered", ""), ""},
		"403":           {smstest.StatusForm(m, "failed", "30005"), "bad"},
		"400 sid":       {noSID, ""},
	}
	for name, c := range forms {
		c.form.Set("Body", "Your data was exposed")
		sig := c.sig
		if sig == "" {
			sig = signed(c.form)
		}
		req := httptest.NewRequest(http.MethodPost, callbackPath, strings.NewReader(c.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := fmt.Sprint(rec.Code); !strings.HasPrefix(name, got) {
			t.Errorf("%s: answered %s", name, got)
		}
		assertNoContact(t, name+" answer", rec.Body.String())
	}
	if logs.Len() == 0 {
		t.Fatal("nothing logged: the check below would prove nothing")
	}
	for _, e := range logs.All() {
		assertNoContact(t, "log", fmt.Sprint(e.Message, e.ContextMap()))
	}
}

func assertNoContact(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{testTo, strings.TrimPrefix(testTo, "+"), smstest.From, "exposed", smstest.AuthToken} {
		if strings.Contains(s, secret) {
			t.Errorf("%s %q contains %q", what, s, secret)
		}
	}
}

func TestStatusCallbackConfig(t *testing.T) {
	ok := sms.StatusCallbackConfig{AuthToken: smstest.AuthToken, URL: "https://herald.example.com" + callbackPath,
		OnFailure: (&lateCalls{}).record}
	cases := map[string]struct {
		mod   func(*sms.StatusCallbackConfig)
		field string
	}{
		"no token":     {func(c *sms.StatusCallbackConfig) { c.AuthToken = "" }, "sms.auth_token"},
		"no url":       {func(c *sms.StatusCallbackConfig) { c.URL = "" }, "sms.status_callback_url"},
		"relative url": {func(c *sms.StatusCallbackConfig) { c.URL = callbackPath }, "sms.status_callback_url"},
		"no func":      {func(c *sms.StatusCallbackConfig) { c.OnFailure = nil }, "sms.on_failure"},
	}
	if _, err := sms.NewStatusCallback(ok); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := ok
			c.mod(&cfg)
			_, err := sms.NewStatusCallback(cfg)
			if incident.ErrorCode(err) != incident.CodeInvalid || incident.ErrorField(err) != c.field {
				t.Errorf("err = %v, want invalid %s", err, c.field)
			}
		})
	}
}
