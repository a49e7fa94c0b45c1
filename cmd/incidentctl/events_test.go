package main

import (
	"encoding/json"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/contract"
	"github.com/herald-notify/herald/incident/stream"
)

// TestOpenUpdateClose sends one event of each facts-carrying type through
// the embedded broker and reads them back.
func TestOpenUpdateClose(t *testing.T) {
	brokers := startBroker(t)
	facts := writeFile(t, "facts.json", string(demoFacts(t)))
	patch := `{"incident_id": "INC-DEMO-0001", "contained_at": "2026-11-23T10:00:00Z", "summary": null}`

	steps := []struct {
		args  []string
		stdin string
	}{
		{args: []string{"--brokers", brokers, "open", facts}},
		{args: []string{"update", "--brokers", brokers, "-"}, stdin: patch},
		{args: []string{"close", "INC-DEMO-0001", "--brokers", brokers, "--root-cause", "stolen session token",
			"--final-measure", "MFA for support staff", "--final-measure", "Argon2id password hashes"}},
	}
	for _, s := range steps {
		r := runCLI(t, s.stdin, s.args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", s.args, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "incident_id=INC-DEMO-0001") || !strings.Contains(r.stdout, "event_id=") {
			t.Errorf("%v printed %q, want the event and incident ids", s.args, r.stdout)
		}
	}

	msgs := readTopic(t, brokers)
	if len(msgs) != 3 {
		t.Fatalf("got %d messages, want 3", len(msgs))
	}
	opened := decodeMessage(t, msgs[0], "INC-DEMO-0001")
	updated := decodeMessage(t, msgs[1], "INC-DEMO-0001")
	closed := decodeMessage(t, msgs[2], "INC-DEMO-0001")
	checkWrapped(t, opened, incident.TypeOpened)
	checkWrapped(t, updated, incident.TypeUpdated)
	checkWrapped(t, closed, incident.TypeClosed)
	if opened.ID == updated.ID || updated.ID == closed.ID {
		t.Errorf("event ids repeat: %s %s %s", opened.ID, updated.ID, closed.ID)
	}

	got, err := contract.FactsFromEvent(opened)
	if err != nil || got.Title != "Customer-support database copied by an attacker" {
		t.Errorf("opened facts = %q, %v", got.Title, err)
	}
	// An update is a merge patch: its nulls must survive the wrapping.
	var data map[string]any
	if err := json.Unmarshal(updated.Data, &data); err != nil {
		t.Fatal(err)
	}
	if v, ok := data["summary"]; !ok || v != nil {
		t.Errorf("update lost its null: data = %v", data)
	}
	c, err := contract.ClosureFromEvent(closed)
	if err != nil {
		t.Fatal(err)
	}
	if c.RootCause != "stolen session token" || len(c.FinalMeasures) != 2 || c.ClosedAt == nil {
		t.Errorf("closure = %+v", c)
	}
}

// checkWrapped checks the envelope incidentctl puts around bare data.
func checkWrapped(t *testing.T, ev incident.Event, typ string) {
	t.Helper()
	if ev.Type != typ || ev.Source != sourceCLI || ev.Subject != "INC-DEMO-0001" || ev.Time == nil {
		t.Errorf("envelope = type %q source %q subject %q time %v", ev.Type, ev.Source, ev.Subject, ev.Time)
	}
	if len(ev.ID) != 36 {
		t.Errorf("event id %q is not uuid-like", ev.ID)
	}
}

// TestOpenSendsAGivenEventAsIs keeps the sender's own event id and fields.
func TestOpenSendsAGivenEventAsIs(t *testing.T) {
	brokers := startBroker(t)
	r := runCLI(t, "", "open", "--brokers", brokers, "../../examples/demo/incident.json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	msgs := readTopic(t, brokers)
	if len(msgs) != 1 {
		t.Fatalf("got %d messages", len(msgs))
	}
	ev := decodeMessage(t, msgs[0], "INC-DEMO-0001")
	if ev.ID != "evt-demo-opened-1" || ev.Source != "urn:herald:demo" {
		t.Errorf("event = %s from %s, want the file's own id and source", ev.ID, ev.Source)
	}
}

// TestOpenRejectsInvalidInput exits 2 with one line naming the field, and
// sends nothing.
func TestOpenRejectsInvalidInput(t *testing.T) {
	brokers := startBroker(t)
	cases := []struct{ name, args, stdin, field string }{
		{"missing incident id", "open", `{"title": "x"}`, "incident_id"},
		{"bad enum", "open", `{"incident_id": "INC-1", "title": "t", "kind": "personal_data_breach", "breach": {"exfiltration": "maybe"}}`, "data.breach.exfiltration"},
		{"opened needs a title", "open", `{"incident_id": "INC-1", "kind": "personal_data_breach"}`, "data.title"},
		{"wrong event type", "open", `{"specversion":"1.0","id":"e1","source":"urn:x","type":"security.incident.closed","subject":"INC-1","data":{"incident_id":"INC-1"}}`, "type"},
		{"update without id", "update", `{"title": "new"}`, "incident_id"},
		{"not json", "open", `{"incident_id": `, "malformed JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, c.stdin, "--brokers", brokers, c.args, "-")
			if r.code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", r.code, r.stderr)
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; lines != 1 {
				t.Errorf("stderr has %d lines, want 1: %q", lines, r.stderr)
			}
			if !strings.Contains(r.stderr, c.field) {
				t.Errorf("stderr %q does not name %q", r.stderr, c.field)
			}
		})
	}
	if msgs := readTopicIfAny(t, brokers); len(msgs) != 0 {
		t.Errorf("invalid input produced %d messages", len(msgs))
	}
}

// readTopicIfAny is readTopic for a topic that may not exist yet.
func readTopicIfAny(t *testing.T, brokers string) []kafka.Message {
	t.Helper()
	conn, err := kafka.Dial("tcp", strings.Split(brokers, ",")[0])
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.ReadPartitions(stream.TopicIncidents)
	conn.Close()
	if err != nil {
		return nil // no topic, so nothing was produced
	}
	return readTopic(t, brokers)
}

// TestUnreachableKafka fails fast with a message that names the address.
func TestUnreachableKafka(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens here now
	r := runCLI(t, "", "close", "INC-1", "--brokers", addr)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	if !strings.Contains(r.stderr, "cannot reach Kafka at "+addr) {
		t.Errorf("stderr = %q", r.stderr)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"help"}, {"frobnicate"}, {"close"}, {"subjects", "export"}} {
		r := runCLI(t, "", args...)
		if r.code != 2 || !strings.Contains(r.stderr, "usage: incidentctl") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

func TestBrokersFromEnvironment(t *testing.T) {
	t.Setenv("HERALD_KAFKA_BROKERS", " 10.0.0.1:9092, ,10.0.0.2:9092")
	t.Setenv("HERALD_API", "http://herald.test:8080")
	c := configFromEnv()
	if got := strings.Join(c.brokerList(), "|"); got != "10.0.0.1:9092|10.0.0.2:9092" {
		t.Errorf("brokers = %q", got)
	}
	if c.api != "http://herald.test:8080" {
		t.Errorf("api = %q", c.api)
	}
	os.Unsetenv("HERALD_API")
	if c := configFromEnv(); c.api != "http://127.0.0.1:8080" {
		t.Errorf("default api = %q", c.api)
	}
}
