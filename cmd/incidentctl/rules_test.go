package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
)

// TestRulesListsEveryRegime prints the built-in policy with each regime's
// article, authority and deadlines.
func TestRulesListsEveryRegime(t *testing.T) {
	r := runCLI(t, "", "rules")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"GDPR  gdpr-art33  Art. 33(1) GDPR", "UK GDPR", "NIS2", "HIPAA", "California",
		"Texas", "Singapore PDPA", "Australia", "Brazil", "China", "Canada", "Japan",
		"early_warning: 24 hours", "source     https://",
		"Public notice  GDPR Art. 34(3)(c)", "10 or more people who must be told could not be reached"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("rules output lacks %q", want)
		}
	}
}

func TestRulesFilterAndJSON(t *testing.T) {
	r := runCLI(t, "", "rules", "--regime", "nis2", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var out struct {
		Policy string     `json:"policy"`
		Rules  []ruleView `json:"rules"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if !strings.HasPrefix(out.Policy, "herald-default-") || len(out.Rules) != 1 || out.Rules[0].Regime != "NIS2" {
		t.Fatalf("got %+v, want the NIS2 rule of the default policy", out)
	}
	if r := runCLI(t, "", "rules", "--regime", "Atlantis"); r.code != 2 {
		t.Errorf("unknown regime: exit %d, want 2", r.code)
	}
}

// TestOperatorPolicy: an operator's own file changes the deadline, and a
// broken file is refused with the place of the problem named.
func TestOperatorPolicy(t *testing.T) {
	own := writeFile(t, "strict.yaml", `id: strict
title: GDPR only, 48 hours
rules:
  - id: gdpr-48h
    regime: GDPR
    citation: Art. 33(1) GDPR (house rule 48 h)
    authority: lead supervisory authority ({establishment})
    territory: {establishment: [DE], subjects: [DE], when_unknown: true}
    trigger: {risk_at_least: risk}
    clock: [aware_at]
    phases:
      - name: initial
        deadline: {hours: 48}
`)
	raw, err := os.ReadFile(calibration + "edpb-01.json")
	if err != nil {
		t.Skipf("calibration file not available: %v", err)
	}
	var ev struct {
		Data incident.Facts `json:"data"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, string(raw), "classify", "--policy", own)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var d incident.Decision
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.Policy, "strict@") {
		t.Errorf("decision policy %q, want strict@...", d.Policy)
	}
	for _, o := range d.Obligations {
		if o.Required && ev.Data.AwareAt != nil && (o.Deadline == nil || !o.Deadline.Equal(ev.Data.AwareAt.Add(48*time.Hour))) {
			t.Errorf("deadline %v, want aware_at + 48 h", o.Deadline)
		}
	}

	broken := writeFile(t, "broken.yaml", "id: broken\nrules:\n  - id: x\n    regime: GDPR\n    citation: c\n    authority: a\n    clock: [aware_at]\n    phases: [{name: initial, deadline: {business_days: 3}}]\n")
	r = runCLI(t, "", "rules", "--policy", broken)
	if r.code == 0 || !strings.Contains(r.stderr, "business_days") {
		t.Errorf("broken policy: exit %d, stderr %q; want a failure naming business_days", r.code, r.stderr)
	}
}
