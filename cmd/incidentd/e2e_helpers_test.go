package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/herald-notify/herald/examples"
	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/stream"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/email"
	"github.com/herald-notify/herald/notifier/email/emailtest"
	"github.com/herald-notify/herald/notifier/push"
	"github.com/herald-notify/herald/notifier/push/pushtest"
	"github.com/herald-notify/herald/notifier/sms"
	"github.com/herald-notify/herald/notifier/sms/smstest"
)

// providers are the three fake providers, each speaking its real protocol.
type providers struct {
	smtp   *emailtest.Server
	twilio *smstest.Server
	fcm    *pushtest.Server
}

// startProviders starts the fakes; push tokens of the demo named
// "unregistered-..." are answered UNREGISTERED, as FCM does for stale ones.
func startProviders(t *testing.T, d demo) *providers {
	t.Helper()
	p := &providers{smtp: emailtest.NewServer(t), twilio: smstest.NewServer(t), fcm: pushtest.NewServer(t)}
	for _, s := range d.subjects {
		for _, tok := range s.PushTokens {
			if strings.HasPrefix(tok, "unregistered") {
				p.fcm.SetUnregistered(tok)
			}
		}
	}
	return p
}

// channels builds the real channel clients pointed at the fakes.
func (p *providers) channels(t *testing.T) map[string]notifier.Notifier {
	t.Helper()
	e, err := email.New(p.smtp.Config())
	if err != nil {
		t.Fatal(err)
	}
	s, err := sms.New(p.twilio.Config())
	if err != nil {
		t.Fatal(err)
	}
	f, err := push.New(context.Background(), p.fcm.Config())
	if err != nil {
		t.Fatal(err)
	}
	return map[string]notifier.Notifier{incident.ChannelEmail: e, incident.ChannelSMS: s, incident.ChannelPush: f}
}

// received counts the messages each contact received, across providers.
func (p *providers) received(exclude string) map[string]int {
	got := map[string]int{}
	for _, m := range p.smtp.Messages() {
		for _, r := range m.Recipients {
			if r != exclude {
				got[r]++
			}
		}
	}
	for _, m := range p.twilio.Messages() {
		got[m.To]++
	}
	for _, m := range p.fcm.Messages() {
		got[m.Token]++
	}
	return got
}

// herald is one in-process incidentd.
type herald struct {
	main     *Main
	cancel   context.CancelFunc
	done     chan error
	stopOnce sync.Once
}

// startHerald runs incidentd on dataDir with the given channels, logging
// into logs so tests can check what reaches a log line.
func startHerald(t *testing.T, dataDir string, chans map[string]notifier.Notifier, logs *syncBuffer) *herald {
	t.Helper()
	cfg := DefaultConfig()
	cfg.DataDir, cfg.HTTPAddr, cfg.EmbeddedKafkaAddr = dataDir, "127.0.0.1:0", "127.0.0.1:0"
	cfg.Workers, cfg.RetryBackoff, cfg.WatchInterval = 4, 5*time.Millisecond, 100*time.Millisecond
	cfg.AuthorityEmail = "reports@authority.example"
	return runHerald(t, &Main{Config: cfg, Channels: chans}, logs)
}

// runHerald runs m in-process, logging JSON into logs at debug level, and
// waits until it is ready; it stops with the test.
func runHerald(t *testing.T, m *Main, logs *syncBuffer) *herald {
	t.Helper()
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	m.Log = zap.New(zapcore.NewCore(enc, zapcore.AddSync(logs), zap.DebugLevel))
	ctx, cancel := context.WithCancel(context.Background())
	h := &herald{main: m, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- h.main.Run(ctx) }()
	select {
	case <-h.main.Ready():
	case err := <-h.done:
		t.Fatalf("incidentd did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("incidentd did not become ready")
	}
	t.Cleanup(h.stop)
	return h
}

// stop shuts incidentd down gracefully; safe to call more than once.
func (h *herald) stop() {
	h.stopOnce.Do(func() {
		h.cancel()
		select {
		case <-h.done:
		case <-time.After(30 * time.Second):
		}
	})
}

// produce sends raw values to the incidents topic, keyed by incident id.
func (h *herald) produce(t *testing.T, key string, values ...[]byte) {
	t.Helper()
	w := stream.NewWriter(h.main.Brokers(), stream.TopicIncidents)
	defer w.Close()
	var msgs []kafka.Message
	for _, v := range values {
		msgs = append(msgs, kafka.Message{Key: []byte(key), Value: v,
			Headers: []kafka.Header{{Key: "content-type", Value: []byte("application/cloudevents+json")}}})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

func (h *herald) getJSON(t *testing.T, path string, v any) int {
	t.Helper()
	resp, err := http.Get(h.main.HTTPURL() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("decode %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

// waitFor polls the incident view until done says so.
func (h *herald) waitFor(t *testing.T, id string, what string, done func(incident.Overview) bool) incident.Overview {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var v incident.Overview
	for time.Now().Before(deadline) {
		v = incident.Overview{}
		if h.getJSON(t, "/api/v1/incidents/"+id, &v) == http.StatusOK && done(v) {
			return v
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last progress %+v", what, v.Progress)
	return v
}

// demo is the example incident and its subjects, as events.
type demo struct {
	opened   []byte
	subjects []incident.Subject
}

func loadDemo(t *testing.T) demo {
	t.Helper()
	opened, err := fs.ReadFile(examples.Demo, "demo/incident.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := fs.ReadFile(examples.Demo, "demo/subjects.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	// Moved to now, as `incidentctl demo` does: its report deadlines are
	// then ahead, and the reports go out rather than wait for reasons.
	if opened, err = examples.ShiftToNow(opened, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	d := demo{opened: opened}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var s incident.Subject
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		d.subjects = append(d.subjects, s)
	}
	return d
}

// subjectsEvent wraps a batch of subjects in a CloudEvent.
func subjectsEvent(t *testing.T, id, incidentID string, subjects []incident.Subject) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"specversion": "1.0", "id": id, "source": "urn:test", "type": incident.TypeSubjects,
		"subject": incidentID, "datacontenttype": "application/json",
		"data": incident.SubjectsBatch{IncidentID: incidentID, Subjects: subjects},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// contacts lists every contact detail of the subjects (to check logs).
// A phone is listed as written and as the dispatcher sends it (E.164,
// with and without the +), so a leak of the normalised form is caught too.
func contacts(subjects []incident.Subject) []string {
	var out []string
	for _, s := range subjects {
		for _, c := range append([]string{s.Email, s.Phone, s.Name}, s.PushTokens...) {
			if c != "" && !shortDigits(c) {
				out = append(out, c)
			}
		}
		// Only a valid number is normalised and sent; the E.164 form of an
		// invalid one can be a few digits that any timestamp contains.
		if n, err := phonenumbers.Parse(s.Phone, strings.ToUpper(s.Jurisdiction)); err == nil && phonenumbers.IsValidNumber(n) {
			e164 := phonenumbers.Format(n, phonenumbers.E164)
			out = append(out, e164, strings.TrimPrefix(e164, "+"))
		}
	}
	return out
}

// shortDigits: a few digits (the demo's deliberately invalid "12345")
// identify nobody, and log timestamps contain them by chance.
func shortDigits(c string) bool {
	return len(c) < 7 && strings.Trim(c, "0123456789") == ""
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func describe(v incident.Overview) string {
	return fmt.Sprintf("%+v", v.Progress)
}
