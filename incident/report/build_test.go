package report_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/report"
)

func initialInput(t *testing.T) report.Input {
	t.Helper()
	inc := demoIncident(t)
	return report.Input{Incident: inc, Obligation: obligation(t, inc.Decision, "GDPR"),
		Phase: incident.PhaseInitial, Now: t0}
}

// TestBuildInitialHasArt33Content: every RULES.md §6 initial item, with the
// value taken from the facts and decision.
func TestBuildInitialHasArt33Content(t *testing.T) {
	in := initialInput(t)
	f, d := in.Incident.Facts, in.Incident.Decision
	r := report.Build(in)

	if r.IncidentID != incidenttest.DemoID || r.Regime != "GDPR" || r.Authority != in.Obligation.Authority ||
		r.Phase != incident.PhaseInitial || !r.GeneratedAt.Equal(t0) || r.Late {
		t.Errorf("report header = %+v", r)
	}
	if r.Deadline == nil || !r.Deadline.Equal(*in.Obligation.Deadline) {
		t.Errorf("deadline = %v, want the obligation's %v", r.Deadline, in.Obligation.Deadline)
	}
	categories := slices.Sorted(slices.Values(f.Data.Categories))
	checkFields(t, r, map[string]any{
		"controller":               f.Controller,
		"contact_point":            f.Controller.ContactPoint,
		"authority":                in.Obligation.Authority,
		"occurred_from":            f.OccurredFrom,
		"occurred_to":              f.OccurredTo,
		"detected_at":              f.DetectedAt,
		"aware_at":                 f.AwareAt,
		"contained_at":             nil, // the demo is not contained yet
		"breach_type":              []string{"confidentiality"},
		"malicious_suspected":      *f.Breach.Malicious,
		"cross_border":             *f.Impact.CrossBorder,
		"subjects_approximate":     *f.Scope.SubjectsEstimate,
		"records_approximate":      *f.Scope.RecordsEstimate,
		"subjects_by_jurisdiction": f.Scope.Jurisdictions,
		"data_categories":          categories,
		"measures_taken":           f.Measures.Taken,
		"measures_proposed":        f.Measures.Planned,
		"risk":                     d.Risk,
		"severity":                 withoutDuties(d.Severity),
		"more_to_follow":           true,
		"decision_version":         1,
	})
	checkConsequencesAndPlan(t, r, d)
	for _, key := range []string{"root_cause", "closed_at", "reasons_for_delay", "public_notice"} {
		if _, ok := r.Fields[key]; ok {
			t.Errorf("initial report on time has %q", key)
		}
	}
}

// checkConsequencesAndPlan: the likely consequences carry the decision's
// own risk and reasons, and the plan says the subjects are told.
// isDutyLine tells the rationale lines on legal duties, which name every
// regime engaged: one authority's report leaves them out.
func isDutyLine(line string) bool {
	return strings.HasPrefix(line, "obligation") || strings.HasPrefix(line, "duty:")
}

func withoutDuties(s incident.Severity) incident.Severity {
	s.Rationale = slices.DeleteFunc(slices.Clone(s.Rationale), isDutyLine)
	return s
}

func checkConsequencesAndPlan(t *testing.T, r incident.Report, d incident.Decision) {
	t.Helper()
	cons, _ := r.Fields["likely_consequences"].([]string)
	if len(cons) == 0 || !strings.Contains(cons[0], d.Risk) || !strings.Contains(cons[0], d.Severity.Band) {
		t.Errorf("likely_consequences = %q, want the risk %q and band %q first", cons, d.Risk, d.Severity.Band)
	}
	for _, reason := range d.Severity.Rationale {
		if duty := isDutyLine(reason); slices.Contains(cons, reason) == duty {
			t.Errorf("likely_consequences: rationale line %q present=%v; want the assessment's lines, not the duties'", reason, !duty)
		}
	}
	plan, _ := r.Fields["subjects_plan"].(string)
	if !d.NotifySubjects || !strings.Contains(plan, "individually") {
		t.Errorf("subjects_plan = %q for notify_subjects=%v", plan, d.NotifySubjects)
	}
}

func TestBuildSaysUnknownForUnknownFacts(t *testing.T) {
	in := initialInput(t)
	in.Incident.Facts = incident.Facts{IncidentID: incidenttest.DemoID, Title: "Laptop stolen"}
	checkFields(t, report.Build(in), map[string]any{
		"breach_type":          []string{"unknown"},
		"malicious_suspected":  "unknown",
		"cross_border":         "unknown",
		"subjects_approximate": "unknown",
		"records_approximate":  "unknown",
	})

	// A breach object that leaves C/I/A unknown is no evidence that none
	// was lost; half-given scope leaves the other count unknown.
	twelve := 12
	in.Incident.Facts.Breach = &incident.Breach{Actor: "unknown"}
	in.Incident.Facts.Scope = &incident.Scope{SubjectsEstimate: &twelve}
	in.Incident.Facts.Impact = &incident.Impact{FinancialLossEUR: 10}
	checkFields(t, report.Build(in), map[string]any{
		"breach_type":          []string{"unknown"},
		"malicious_suspected":  "unknown",
		"cross_border":         "unknown",
		"subjects_approximate": 12,
		"records_approximate":  "unknown",
	})
}

// Known "no" and known zero stay false and 0: only the unknown says so.
func TestBuildKeepsKnownFalseAndZero(t *testing.T) {
	in := initialInput(t)
	no, zero := false, 0
	f := &in.Incident.Facts
	f.Breach.Malicious, f.Impact.CrossBorder = &no, &no
	f.Scope.SubjectsEstimate, f.Scope.RecordsEstimate = &zero, &zero
	checkFields(t, report.Build(in), map[string]any{
		"malicious_suspected":  false,
		"cross_border":         false,
		"subjects_approximate": 0,
		"records_approximate":  0,
	})
}

func TestBuildFinalPhase(t *testing.T) {
	in := initialInput(t)
	closed := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	in.Incident.Status = incident.StatusClosed
	in.Incident.Facts.RootCause = "support session token stolen by infostealer malware"
	in.Incident.Facts.FinalMeasures = []string{"Bound support sessions to managed devices"}
	in.Incident.Facts.ClosedAt = &closed
	in.Phase, in.Now = incident.PhaseFinal, closed.Add(time.Hour) // long after the 72 h

	r := report.Build(in)
	checkFields(t, r, map[string]any{
		"root_cause":     in.Incident.Facts.RootCause,
		"final_measures": in.Incident.Facts.FinalMeasures,
		"closed_at":      closed,
		"more_to_follow": false,
	})
	// The deadline is the first notification's; a final report is not late
	// against it.
	if r.Late || r.Phase != incident.PhaseFinal {
		t.Errorf("final report late=%v phase=%q", r.Late, r.Phase)
	}
}

func TestBuildLateStatesReasonsForDelay(t *testing.T) {
	in := initialInput(t)
	deadline := *in.Obligation.Deadline
	cases := []struct {
		now  time.Time
		late bool
	}{
		{deadline.Add(-time.Minute), false},
		{deadline, false},
		{deadline.Add(time.Second), true},
		{deadline.Add(48 * time.Hour), true},
	}
	for _, c := range cases {
		in.Now = c.now
		r := report.Build(in)
		reason, has := r.Fields["reasons_for_delay"].(string)
		if r.Late != c.late || has != c.late || (has && reason == "") {
			t.Errorf("at deadline%+v: late=%v reasons_for_delay=%q, want late=%v",
				c.now.Sub(deadline), r.Late, reason, c.late)
		}
	}
}

func TestBuildContentHash(t *testing.T) {
	in := initialInput(t)
	base := report.Build(in)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(base.ContentHash) {
		t.Fatalf("content hash %q is not a sha256 hex digest", base.ContentHash)
	}
	if again := report.Build(initialInput(t)); again.ContentHash != base.ContentHash {
		t.Errorf("equal input hashed %s then %s", base.ContentHash, again.ContentHash)
	}
	later := in
	later.Now = t0.Add(time.Hour) // same content, generated later
	if h := report.Build(later).ContentHash; h != base.ContentHash {
		t.Errorf("generation time changed the content hash")
	}

	changes := map[string]func(*incident.Facts){
		"measure added": func(f *incident.Facts) {
			f.Measures = &incident.Measures{Taken: append(slices.Clone(f.Measures.Taken), "Informed the police"),
				Planned: f.Measures.Planned}
		},
		"jurisdiction count": func(f *incident.Facts) {
			j := map[string]int{}
			for k, v := range f.Scope.Jurisdictions {
				j[k] = v
			}
			j["DE"]++
			f.Scope = &incident.Scope{SubjectsEstimate: f.Scope.SubjectsEstimate, RecordsEstimate: f.Scope.RecordsEstimate, Jurisdictions: j}
		},
		"contained": func(f *incident.Facts) { f.ContainedAt = &t0 },
	}
	for name, change := range changes {
		changed := initialInput(t)
		change(&changed.Incident.Facts)
		if h := report.Build(changed).ContentHash; h == base.ContentHash {
			t.Errorf("%s: content hash unchanged", name)
		}
	}
}

func TestBuildCarriesProgressAndNotice(t *testing.T) {
	in := initialInput(t)
	in.Progress = incident.Progress{Subjects: 3, Sent: 2, Unreachable: 1,
		ByChannel: map[string]incident.ChannelProgress{"email": {Sent: 2, Failed: 1}}}
	published := t0.Add(-time.Hour)
	in.Notice = &incident.Notice{IncidentID: incidenttest.DemoID, Revision: 2, PublishedAt: published}
	in.NoticeURL = "https://status.example.com/notices/" + incidenttest.DemoID
	checkFields(t, report.Build(in), map[string]any{
		"notification_progress": in.Progress,
		"public_notice":         map[string]any{"url": in.NoticeURL, "published_at": published, "revision": 2},
	})
}

// Each phase is late against its own deadline: NIS2's notification (72 h)
// is on time at 30 h, when the early warning (24 h) would be late; the
// final report is late after its month like any other phase.
func TestBuildLateAgainstThePhasesOwnDeadline(t *testing.T) {
	inc := demoIncident(t)
	ob := obligation(t, inc.Decision, "NIS2")
	due := func(phase string) time.Time {
		for _, pd := range ob.Schedule {
			if pd.Phase == phase && pd.Deadline != nil {
				return *pd.Deadline
			}
		}
		t.Fatalf("NIS2 %s has no deadline in %+v", phase, ob.Schedule)
		return time.Time{}
	}
	early, notification, final := due("early_warning"), due("notification"), due(incident.PhaseFinal)
	at := early.Add(6 * time.Hour)
	for _, c := range []struct {
		phase string
		now   time.Time
		late  bool
		want  time.Time
	}{
		{"early_warning", at, true, early},
		{"notification", at, false, notification},
		{incident.PhaseFinal, final.Add(-time.Hour), false, final},
		{incident.PhaseFinal, final.Add(time.Hour), true, final},
	} {
		r := report.Build(report.Input{Incident: inc, Obligation: ob, Phase: c.phase, Now: c.now})
		if r.Late != c.late || r.Deadline == nil || !r.Deadline.Equal(c.want) {
			t.Errorf("%s at %v: late=%v deadline=%v, want late=%v deadline=%v", c.phase, c.now, r.Late, r.Deadline, c.late, c.want)
		}
	}
}
