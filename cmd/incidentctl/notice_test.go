package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/contract"
)

// TestNoticePublish sends the team's request for a public notice as an
// `updated` event through the embedded broker, with and without a reason.
func TestNoticePublish(t *testing.T) {
	brokers := startBroker(t)
	for _, args := range [][]string{
		{"notice", "publish", "INC-DEMO-0001", "--brokers", brokers, "--reason", "people are asking on social media"},
		{"--brokers", brokers, "notice", "publish", "INC-DEMO-0001"},
	} {
		r := runCLI(t, "", args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "sent security.incident.updated") || !strings.Contains(r.stdout, "incident_id=INC-DEMO-0001") {
			t.Errorf("%v printed %q", args, r.stdout)
		}
	}
	msgs := readTopic(t, brokers)
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want 2", len(msgs))
	}
	wantReasons := []any{"people are asking on social media", nil}
	for i, m := range msgs {
		ev := decodeMessage(t, m, "INC-DEMO-0001")
		checkWrapped(t, ev, incident.TypeUpdated)
		var data map[string]any
		if err := json.Unmarshal(ev.Data, &data); err != nil {
			t.Fatal(err)
		}
		if len(data) != 2+btoi(wantReasons[i] != nil) || data["notice_requested"] != true || data["change_reason"] != wantReasons[i] {
			t.Errorf("event %d data = %v, want incident_id, notice_requested true, change_reason %v", i, data, wantReasons[i])
		}
		f, err := contract.FactsFromEvent(ev)
		if err != nil || !f.NoticeRequested || f.IncidentID != "INC-DEMO-0001" {
			t.Errorf("event %d facts: notice_requested %v incident %q (%v)", i, f.NoticeRequested, f.IncidentID, err)
		}
	}
}

// TestNoticePublishRejectsInvalidInput exits 2 naming the field, and sends
// nothing.
func TestNoticePublishRejectsInvalidInput(t *testing.T) {
	brokers := startBroker(t)
	cases := []struct {
		name  string
		args  []string // after "notice"
		field string
	}{
		{"bad incident id", []string{"publish", "INC 1/x"}, "data.incident_id"},
		{"reason too long", []string{"publish", "INC-1", "--reason", strings.Repeat("x", 20001)}, "data.change_reason"},
		{"no incident id", []string{"publish"}, "needs exactly one INCIDENT_ID"},
		{"two incident ids", []string{"publish", "INC-1", "INC-2"}, "needs exactly one INCIDENT_ID"},
		{"unknown subcommand", []string{"retract", "INC-1"}, "notice publish INCIDENT_ID"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, "", append([]string{"--brokers", brokers, "notice"}, c.args...)...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", r.code, r.stderr)
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

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
