package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/notifier/email/emailtest"
	"github.com/herald-notify/herald/notifier/notifiertest"
	"github.com/herald-notify/herald/notifier/push/pushtest"
	"github.com/herald-notify/herald/notifier/sms/smstest"
)

// maxTries is the dispatcher's tries per channel (dispatch.Config's
// default; incidentd has no setting for it).
const maxTries = 4

// authority is where the daemon emails regulator reports in these tests.
const authority = "reports@authority.example"

// faultConfig configures incidentd with every provider set through Config,
// as an operator would, so buildChannels puts each behind its guard. The
// SMS and push base URLs are given, so a test can put a fault in front.
func faultConfig(t *testing.T, smtp *emailtest.Server, twilioURL, fcmURL string) Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.DataDir, cfg.HTTPAddr, cfg.EmbeddedKafkaAddr = t.TempDir(), "127.0.0.1:0", "127.0.0.1:0"
	cfg.AuthorityEmail = authority
	host, port := smtp.Addr()
	cfg.SMTPHost, cfg.SMTPPort, cfg.SMTPTLS, cfg.SMTPFrom = host, port, "none", emailtest.From
	cfg.TwilioAccountSID, cfg.TwilioAuthToken, cfg.TwilioFrom, cfg.TwilioBaseURL =
		smstest.AccountSID, smstest.AuthToken, smstest.From, twilioURL
	cfg.FCMProjectID, cfg.FCMEndpoint = pushtest.ProjectID, fcmURL
	cfg.RetryBackoff, cfg.SendDeadline, cfg.ClaimLease = 10*time.Millisecond, 10*time.Second, 30*time.Second
	return cfg
}

// startConfigured runs incidentd in-process on cfg with no injected
// channels, logging JSON into logs at debug level.
func startConfigured(t *testing.T, cfg Config, logs *syncBuffer) *herald {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	h := runHerald(t, &Main{Config: cfg}, logs)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("incidentd log (tail):\n%s", tail(logs.String(), 6000))
		}
	})
	return h
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// faultPeople makes count people from index first on: a Berlin drama-range
// phone (+49 30 23125 xxx, so first+count <= 1000), an email address, a
// push token, and chain as their channel preference.
func faultPeople(first, count int, chain ...string) []incident.Subject {
	out := make([]incident.Subject, count)
	for i := range out {
		n := first + i
		out[i] = incident.Subject{ID: fmt.Sprintf("f-%04d", n), Locale: "de", Jurisdiction: "DE",
			Email: fmt.Sprintf("person%04d@example.com", n), Phone: fmt.Sprintf("+493023125%03d", n),
			PushTokens: []string{fmt.Sprintf("fault-token-%04d", n)}, Channels: chain}
	}
	return out
}

// openIncident opens the demo incident and waits for its decision, which
// requires telling people.
func openIncident(t *testing.T, h *herald) {
	t.Helper()
	h.produce(t, demoID, loadDemo(t).opened)
	v := h.waitFor(t, demoID, "the incident decided", func(v incident.Overview) bool { return v.Incident.Decision.Version >= 1 })
	if !v.Incident.Decision.NotifySubjects {
		t.Fatalf("the demo decision does not require telling people: %+v", v.Incident.Decision)
	}
}

// addPeople publishes people in batches of 100 and waits until everyone
// of the incident (total) has a final outcome.
func addPeople(t *testing.T, h *herald, people []incident.Subject, total int) incident.Overview {
	t.Helper()
	var events [][]byte
	for i := 0; i < len(people); i += 100 {
		batch := people[i:min(i+100, len(people))]
		events = append(events, subjectsEvent(t, "evt-fault-"+batch[0].ID, demoID, batch))
	}
	h.produce(t, demoID, events...)
	return h.waitFor(t, demoID, "every person final", allToldOrUnreachable(total))
}

// noticeStatus is the HTTP status of the incident's public notice page.
func noticeStatus(t *testing.T, h *herald) int {
	t.Helper()
	resp, err := http.Get(h.main.HTTPURL() + "/notices/" + demoID)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// ledgerOf stops incidentd and reads each person's attempts from its store.
func ledgerOf(t *testing.T, h *herald, people []incident.Subject) map[string][]store.Attempt {
	t.Helper()
	h.stop()
	st, err := h.main.openStore() // with its data key
	if err != nil {
		t.Fatalf("open the stopped daemon's store: %v", err)
	}
	defer st.Close()
	out := map[string][]store.Attempt{}
	for _, p := range people {
		if out[p.ID], err = st.Attempts(context.Background(), demoID, p.ID); err != nil {
			t.Fatalf("attempts of %s: %v", p.ID, err)
		}
	}
	return out
}

// emailsTo counts the messages the SMTP server accepted per recipient,
// leaving out the regulator's reports.
func emailsTo(smtp *emailtest.Server) map[string]int {
	got := map[string]int{}
	for _, m := range smtp.Messages() {
		for _, r := range m.Recipients {
			if r != authority {
				got[r]++
			}
		}
	}
	return got
}

func smsTo(s *smstest.Server) map[string]int {
	got := map[string]int{}
	for _, m := range s.Messages() {
		got[m.To]++
	}
	return got
}

func pushTo(s *pushtest.Server) map[string]int {
	got := map[string]int{}
	for _, m := range s.Messages() {
		got[m.Token]++
	}
	return got
}

// assertNoContactLogged fails if any contact detail of people reached the
// daemon's log.
func assertNoContactLogged(t *testing.T, logs *syncBuffer, people []incident.Subject) {
	t.Helper()
	text := logs.String()
	for _, c := range contacts(people) {
		if strings.Contains(text, c) {
			t.Fatalf("a contact detail reached the logs (%d chars)", len(c))
		}
	}
}

// circuitChanges lists the breaker transitions logged for channel, as
// "from>to".
func circuitChanges(t *testing.T, logs *syncBuffer, channel string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(logs.String(), "\n") {
		var e struct{ Msg, Channel, From, To string }
		if line == "" || json.Unmarshal([]byte(line), &e) != nil {
			continue
		}
		if e.Msg == "provider circuit" && e.Channel == channel {
			out = append(out, e.From+">"+e.To)
		}
	}
	return out
}

// scriptedFront stands in front of a fake HTTP provider. Each recipient's
// first requests are answered from script, in order; later ones, and every
// request while the front is up, pass through to the fake. While it is
// down, every request is answered with downReply. The fault window is thus
// counted, or switched by the test, never guessed from time.
type scriptedFront struct {
	srv       *httptest.Server
	proxy     *httputil.ReverseProxy
	recipient func(body []byte) string
	script    []*notifiertest.HTTPReply
	downReply *notifiertest.HTTPReply
	done      chan struct{}
	down      atomic.Bool

	mu       sync.Mutex
	arrivals map[string][]time.Time // per recipient
	requests int
}

func newScriptedFront(t *testing.T, backend string, recipient func([]byte) string) *scriptedFront {
	t.Helper()
	target, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	f := &scriptedFront{proxy: httputil.NewSingleHostReverseProxy(target), recipient: recipient,
		done: make(chan struct{}), arrivals: map[string][]time.Time{}}
	f.proxy.ErrorLog = log.New(io.Discard, "", 0)
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(f.done) })
	return f
}

func (f *scriptedFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	who := f.recipient(body)
	f.mu.Lock()
	f.requests++
	n := len(f.arrivals[who])
	f.arrivals[who] = append(f.arrivals[who], time.Now())
	f.mu.Unlock()
	switch {
	case f.down.Load():
		f.downReply.Write(w, r, f.done)
	case n < len(f.script):
		f.script[n].Write(w, r, f.done)
	default:
		r.Body = io.NopCloser(bytes.NewReader(body))
		f.proxy.ServeHTTP(w, r)
	}
}

// Requests is how many requests reached the front.
func (f *scriptedFront) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Arrivals is when each request for who arrived, in order.
func (f *scriptedFront) Arrivals(who string) []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.arrivals[who]...)
}

// twilioTo reads the To number of a Twilio Messages API form body.
func twilioTo(body []byte) string {
	form, _ := url.ParseQuery(string(body))
	return form.Get("To")
}

// fcmToken reads the token of an FCM v1 send body.
func fcmToken(body []byte) string {
	var req struct {
		Message struct {
			Token string `json:"token"`
		} `json:"message"`
	}
	_ = json.Unmarshal(body, &req)
	return req.Message.Token
}

// deadProvider is a provider host that is unreachable in the way a crashed
// backend behind a load balancer is: it takes each connection and closes
// it without a word. It counts the connections.
type deadProvider struct {
	ln    net.Listener
	conns atomic.Int64
}

func newDeadProvider(t *testing.T) *deadProvider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &deadProvider{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d.conns.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return d
}

func (d *deadProvider) URL() string { return "http://" + d.ln.Addr().String() }

func (d *deadProvider) Calls() int { return int(d.conns.Load()) }
