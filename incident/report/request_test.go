package report_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
)

// The demo's clocks: NIS2 early warning due at aware_at + 24 h, the NIS2
// notification and the GDPR initial report at + 72 h.
var (
	earlyWarningDue = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	thirtyHoursIn   = time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)
)

// demoOpened is the demo incident in a real store, on t0's clock.
func demoOpened(t *testing.T) *pipeline {
	t.Helper()
	p := newPipeline(t)
	p.Apply(t, incidenttest.DemoEvent(t))
	return p
}

// contentHash is the report's hash taken independently, as REPORTS.md
// says: SHA-256 of the fields as compact JSON, every object's keys sorted,
// numbers as written, no HTML escaping.
func contentHash(t *testing.T, fields map[string]any) string {
	t.Helper()
	var plain any
	dec := json.NewDecoder(bytes.NewReader(mustJSON(t, fields)))
	dec.UseNumber()
	if err := dec.Decode(&plain); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(plain); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return hex.EncodeToString(sum[:])
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGenerateOnRequestIntermediateNIS2(t *testing.T) {
	p := demoOpened(t)
	rec := &recorder{}
	r := newReporter(t, p, rec)
	// Past the obligation's first (24 h) deadline, but the intermediate
	// report has no due time of its own: it is not late.
	p.Clock.Set(thirtyHoursIn)
	rep, err := r.Generate(context.Background(), incidenttest.DemoID, "nis2", "intermediate", "")
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	if rep.Regime != "NIS2" || rep.Phase != "intermediate" || rep.Version != 1 || rep.Late || rep.Deadline != nil {
		t.Errorf("got %s %s v%d late=%v deadline=%v, want NIS2 intermediate v1 on time without a deadline",
			rep.Regime, rep.Phase, rep.Version, rep.Late, rep.Deadline)
	}
	if _, ok := rep.Fields["reasons_for_delay"]; ok {
		t.Errorf("report on time carries reasons_for_delay %v", rep.Fields["reasons_for_delay"])
	}
	checkFields(t, rep, map[string]any{"decision_version": 1, "more_to_follow": true, "authority": rep.Authority})
	if !rep.GeneratedAt.Equal(thirtyHoursIn) || rep.ContentHash != contentHash(t, rep.Fields) {
		t.Errorf("generated %v hash %q, want the clock's time and the hash of the fields", rep.GeneratedAt, rep.ContentHash)
	}
	got := rec.deliveries()
	if len(got) != 1 || !strings.Contains(got[0].Message.Subject, "intermediate") || got[0].Message.Text != renderText(rep) {
		t.Fatalf("deliveries %+v, want the intermediate report once", got)
	}
	if rep.DeliveredTo != "recorder" {
		t.Errorf("delivered via %q, want the receipt's provider", rep.DeliveredTo)
	}
	stored := p.reports(t, incidenttest.DemoID)
	if len(stored) != 1 || !reflect.DeepEqual(asJSON(t, stored[0]), asJSON(t, rep)) {
		t.Errorf("stored %+v, want exactly the returned report", stored)
	}
}

func TestGenerateRejectsUnknownRegimeAndPhase(t *testing.T) {
	p := demoOpened(t)
	edpb := readEvent(t, edpb01Path)
	p.Apply(t, edpb) // obligations, none required
	rec := &recorder{}
	r := newReporter(t, p, rec)
	tests := []struct {
		name, id, regime, phase, field, says string
	}{
		{"no regime", incidenttest.DemoID, "", "initial", "regime", "is required"},
		{"unknown regime", incidenttest.DemoID, "HIPAA", "initial", "regime", "GDPR, NIS2, California, Brazil LGPD"},
		{"regime not required", edpb.Subject, "GDPR", "initial", "regime", "required: none"},
		{"no phase", incidenttest.DemoID, "GDPR", "", "phase", "initial, follow_up, final"},
		{"phase of another regime", incidenttest.DemoID, "GDPR", "early_warning", "phase", `"early_warning" is not a phase of GDPR`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Generate(context.Background(), tc.id, tc.regime, tc.phase, "")
			if incident.ErrorCode(err) != incident.CodeInvalid || incident.ErrorField(err) != tc.field || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err = %v (code %q field %q), want invalid %s saying %q",
					err, incident.ErrorCode(err), incident.ErrorField(err), tc.field, tc.says)
			}
		})
	}
	_, err := r.Generate(context.Background(), "INC-NOPE", "GDPR", "initial", "")
	if incident.ErrorCode(err) != incident.CodeNotFound {
		t.Errorf("unknown incident: err = %v, want not found", err)
	}
	if n := len(p.reports(t, incidenttest.DemoID)) + len(p.reports(t, edpb.Subject)); n != 0 || len(rec.deliveries()) != 0 {
		t.Errorf("refused requests left %d reports and %d deliveries", n, len(rec.deliveries()))
	}
}

func TestGenerateLateWithoutReasonsIsRefused(t *testing.T) {
	p := demoOpened(t)
	rec := &recorder{}
	r := newReporter(t, p, rec)
	p.Clock.Set(thirtyHoursIn)
	for _, reasons := range []string{"", "  \n "} {
		_, err := r.Generate(context.Background(), incidenttest.DemoID, "NIS2", "early_warning", reasons)
		if incident.ErrorCode(err) != incident.CodeInvalid || incident.ErrorField(err) != "reasons" ||
			!strings.Contains(err.Error(), "the report is late: give the reasons for the delay") ||
			!strings.Contains(err.Error(), earlyWarningDue.Format(time.RFC3339)) {
			t.Errorf("reasons %q: err = %v, want invalid reasons naming the due time", reasons, err)
		}
	}
	if n := len(p.reports(t, incidenttest.DemoID)); n != 0 || len(rec.deliveries()) != 0 {
		t.Errorf("a late report without reasons was stored (%d) or sent (%d)", n, len(rec.deliveries()))
	}
	// At the due instant itself the report is still on time.
	p.Clock.Set(earlyWarningDue)
	if rep, err := r.Generate(context.Background(), incidenttest.DemoID, "NIS2", "early_warning", ""); err != nil || rep.Late {
		t.Errorf("at the deadline: late=%v err=%v, want on time", rep.Late, err)
	}
}

func TestGenerateLateWithReasonsIsStored(t *testing.T) {
	p := demoOpened(t)
	r := newReporter(t, p, &recorder{})
	p.Clock.Set(thirtyHoursIn)
	const why = "The CSIRT portal was unreachable on 24 November; the warning was sent by phone first."
	rep, err := r.Generate(context.Background(), incidenttest.DemoID, "NIS2", "early_warning", "  "+why+"\n")
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	if !rep.Late || rep.Deadline == nil || !rep.Deadline.Equal(earlyWarningDue) {
		t.Errorf("late=%v deadline=%v, want late against %v", rep.Late, rep.Deadline, earlyWarningDue)
	}
	checkFields(t, rep, map[string]any{"reasons_for_delay": why, "decision_version": 1})
	if rep.ContentHash != contentHash(t, rep.Fields) {
		t.Errorf("content hash %q is not the hash of the fields with the reasons", rep.ContentHash)
	}
	stored := p.reports(t, incidenttest.DemoID)
	if len(stored) != 1 || stored[0].Fields["reasons_for_delay"] != why || !stored[0].Late {
		t.Errorf("stored %+v, want the late report with its reasons", stored)
	}
	// The GDPR initial report is due at 72 h: the same moment is on time
	// for it, and reasons given anyway are not recorded.
	gdpr, err := r.Generate(context.Background(), incidenttest.DemoID, "GDPR", "initial", why)
	if err != nil || gdpr.Late {
		t.Fatalf("GDPR initial at 30 h: late=%v err=%v", gdpr.Late, err)
	}
	if _, ok := gdpr.Fields["reasons_for_delay"]; ok {
		t.Errorf("on-time report records reasons_for_delay")
	}
}

func TestGenerateEachCallIsANewImmutableVersion(t *testing.T) {
	p := demoOpened(t)
	r := newReporter(t, p, &recorder{})
	ensure(t, r, incidenttest.DemoID) // the automatic first phases: versions 1..4
	before := asJSON(t, p.reports(t, incidenttest.DemoID))

	first, err := r.Generate(context.Background(), incidenttest.DemoID, "GDPR", "follow_up", "")
	if err != nil {
		t.Fatal(err)
	}
	second, err := r.Generate(context.Background(), incidenttest.DemoID, "GDPR", "follow_up", "")
	if err != nil {
		t.Fatal(err)
	}
	if first.Version != demoReports+1 || second.Version != demoReports+2 {
		t.Errorf("versions %d and %d, want %d and %d", first.Version, second.Version, demoReports+1, demoReports+2)
	}
	// Same facts, same clock: the same content, stored twice.
	if first.ContentHash == "" || first.ContentHash != second.ContentHash {
		t.Errorf("hashes %q and %q, want one non-empty hash for the same content", first.ContentHash, second.ContentHash)
	}
	p.Clock.Advance(time.Hour)
	third, err := r.Generate(context.Background(), incidenttest.DemoID, "GDPR", "follow_up", "")
	if err != nil {
		t.Fatal(err)
	}
	if third.Version != demoReports+3 || third.ContentHash == "" {
		t.Errorf("third: version %d hash %q", third.Version, third.ContentHash)
	}
	all := p.reports(t, incidenttest.DemoID)
	if len(all) != demoReports+3 {
		t.Fatalf("%d reports stored, want %d", len(all), demoReports+3)
	}
	if got := asJSON(t, all[:demoReports]); !reflect.DeepEqual(got, before) {
		t.Errorf("earlier versions changed after new ones were generated")
	}
	for i, want := range []incident.Report{first, second, third} {
		if got := all[demoReports+i]; !reflect.DeepEqual(asJSON(t, got), asJSON(t, want)) {
			t.Errorf("stored version %d differs from what Generate returned", want.Version)
		}
	}
}
