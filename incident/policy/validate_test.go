package policy

import (
	"errors"
	"strings"
	"testing"
)

// baseRule is a valid rule the cases below break one way at a time.
const baseRule = `
  - id: r1
    regime: R
    citation: Art. 1
    authority: A
    territory:
      establishment: [EU]
      subjects: [DE, us-ca]
    trigger:
      risk_at_least: risk
    clock: [aware_at, detected_at]
    phases:
      - name: initial
        deadline:
          hours: 72
      - name: final
        after: phase:initial
        deadline:
          months: 1
    subjects:
      citation: Art. 2
      deadline:
        due: without undue delay
`

func policyYAML(rules string) string {
	return `id: test
groups:
  EU: [DE, FR]
calendars:
  XX:
    holidays:
      - name: New Year
        date: "01-01"
rules:` + rules
}

func TestParseValidBase(t *testing.T) {
	p, err := Parse([]byte(policyYAML(baseRule)), "test.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(p.Rules) != 1 || p.Rules[0].Phases[1].Deadline.Months != 1 {
		t.Errorf("Parse read %+v", p.Rules)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown rule key", "regime: R", "regime: R\n    colour: red", "field colour not found"},
		{"unknown deadline key", "hours: 72", "hour: 72", "field hour not found"},
		{"misspelt condition", "risk_at_least: risk", "risk_atleast: risk", "field risk_atleast not found"},
		{"empty id", "id: r1", "id: ''", "rules[0] (id ): id is empty"},
		{"empty regime", "regime: R", "regime: ''", "rules[0] (id r1): regime is empty"},
		{"empty citation", "citation: Art. 1", "citation: ''", "rules[0] (id r1): citation is empty"},
		{"empty authority", "authority: A", "authority: ''", "rules[0] (id r1): authority is empty"},
		{"no clock", "clock: [aware_at, detected_at]", "clock: []", "rules[0] (id r1): clock is empty"},
		{"unknown clock", "clock: [aware_at, detected_at]", "clock: [seen_at]", `rules[0] (id r1): clock[0]: "seen_at" is not one of`},
		{"clock twice", "clock: [aware_at, detected_at]", "clock: [aware_at, aware_at]", `clock[1]: "aware_at" listed twice`},
		{"no phases", "phases:\n      - name: initial\n        deadline:\n          hours: 72\n      - name: final\n        after: phase:initial\n        deadline:\n          months: 1\n", "phases: []\n", "rules[0] (id r1): phases: none defined"},
		{"two amounts", "hours: 72", "hours: 72\n          days: 3", "rules[0] (id r1): phases[0].deadline: sets more than one"},
		{"no amount nor due", "hours: 72", "target: false", "rules[0] (id r1): phases[0].deadline: needs hours"},
		{"negative amount", "hours: 72", "hours: -72", "phases[0].deadline: amount is negative"},
		{"business days without calendar", "hours: 72", "business_days: 3\n          timezone: America/Sao_Paulo", "rules[0] (id r1): phases[0].deadline: business_days needs a calendar"},
		{"business days with unknown calendar", "hours: 72", "business_days: 3\n          calendar: ZZ\n          timezone: UTC", `phases[0].deadline: calendar "ZZ" is not defined under calendars`},
		{"business days without timezone", "hours: 72", "business_days: 3\n          calendar: XX", "phases[0].deadline: business_days needs a timezone"},
		{"calendar without business days", "hours: 72", "hours: 72\n          calendar: XX", `phases[0].deadline: calendar "XX" is only used with business_days`},
		{"unknown timezone", "hours: 72", "days: 3\n          timezone: Mars/Olympus_Mons", `phases[0].deadline: timezone "Mars/Olympus_Mons" is not an IANA zone`},
		{"timezone with hours", "hours: 72", "hours: 72\n          timezone: UTC", "phases[0].deadline: timezone is only used with days, business_days, months or after_year_end_days"},
		{"target without a time", "hours: 72", "due: promptly\n          target: true", "phases[0].deadline: target needs a fixed time"},
		{"count_clock_day without timezone", "hours: 72", "days: 3\n          count_clock_day: true", "phases[0].deadline: count_clock_day needs days or business_days and a timezone"},
		{"phase name twice", "- name: final", "- name: initial", `phases[1]: name "initial" used by an earlier phase`},
		{"phase without name", "- name: final", "- name: ''", "phases[1]: name is empty"},
		{"unknown after", "after: phase:initial", "after: later", `phases[1]: after "later" is not empty, on_request, closed_at or phase:<earlier phase>`},
		{"after a later phase", "after: phase:initial", "after: phase:final", `phases[1]: after "phase:final" names no earlier phase`},
		{"unknown risk", "risk_at_least: risk", "risk_at_least: medium", `rules[0] (id r1): trigger: risk_at_least "medium" is not one of risk, high`},
		{"unknown category", "risk_at_least: risk", "categories_any: [heath]", `trigger.categories_any[0]: "heath" is not one of`},
		{"unknown kind", "risk_at_least: risk", "kinds: [breach]", `trigger.kinds[0]: "breach" is not one of`},
		{"unknown exemption", "risk_at_least: risk", "exemptions: [encryption]", `trigger.exemptions[0]: "encryption" is not one of`},
		{"unknown NIS2 class", "risk_at_least: risk", "nis2_entity: [major]", `trigger.nis2_entity[0]: "major" is not one of`},
		{"unknown HIPAA entity", "risk_at_least: risk", "hipaa_entity: [hospital]", `trigger.hipaa_entity[0]: "hospital" is not one of`},
		{"negative count", "risk_at_least: risk", "residents_at_least: -1", "trigger: residents_at_least is negative"},
		{"bad nested condition", "risk_at_least: risk", "any:\n        - risk_at_least: severe", `trigger.any[0]: risk_at_least "severe"`},
		{"unknown territory", "establishment: [EU]", "establishment: [Europe]", `territory.establishment[0]: "Europe" is not a country (DE), subdivision (US-CA) or group`},
		{"bad subdivision", "subjects: [DE, us-ca]", "subjects: [DE, US_CA]", `territory.subjects[1]: "US_CA"`},
		{"bad override deadline", "months: 1", "months: 1\n        overrides:\n          - when:\n              malicious: true\n            deadline:\n              months: 2\n              hours: 4", "phases[1].overrides[0].deadline: sets more than one"},
		{"bad override condition", "months: 1", "months: 1\n        overrides:\n          - when:\n              risk_at_least: grave\n            deadline:\n              months: 2", `phases[1].overrides[0].when: risk_at_least "grave"`},
		{"subjects without citation", "citation: Art. 2", "citation: ''", "rules[0] (id r1): subjects: citation is empty"},
		{"subjects deadline empty", "due: without undue delay", "target: false", "subjects.deadline: needs hours"},
		{"subjects unknown clock", "citation: Art. 2", "citation: Art. 2\n      clock: [told_at]", `subjects.clock[0]: "told_at" is not one of`},
		{"subjects bad trigger", "citation: Art. 2", "citation: Art. 2\n      trigger:\n        risk_at_least: huge", `subjects.trigger: risk_at_least "huge"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(baseRule, tc.old) {
				t.Fatalf("base rule has no %q", tc.old)
			}
			src := policyYAML(strings.Replace(baseRule, tc.old, tc.new, 1))
			_, err := Parse([]byte(src), "test.yaml")
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", src)
			}
			if !strings.Contains(err.Error(), "policy test.yaml: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error:\n%v\nwant it to name %q", err, tc.want)
			}
		})
	}
}

func TestParseRejectsFileLevel(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty file", "", "policy test.yaml: file is empty"},
		{"not yaml", "id: [", "policy test.yaml: decode yaml"},
		{"unknown top-level key", policyYAML(baseRule) + "\nversion: 2\n", "field version not found"},
		{"no id", strings.Replace(policyYAML(baseRule), "id: test", "title: t", 1), "policy test.yaml: id: is empty"},
		{"no rules", "id: test\nrules: []\n", "policy test.yaml: rules: none defined"},
		{"duplicate rule id", policyYAML(baseRule + baseRule), "rules[1] (id r1): id also used by rules[0]"},
		{"bad group member", strings.Replace(policyYAML(baseRule), "EU: [DE, FR]", "EU: [DE, France]", 1), `groups.EU[1]: "France" is not a country`},
		{"empty group", strings.Replace(policyYAML(baseRule), "EU: [DE, FR]", "EU: []", 1), "groups.EU: has no members"},
		{"bad holiday date", strings.Replace(policyYAML(baseRule), `"01-01"`, `"13-01"`, 1), `calendars.XX.holidays[0] (New Year): date "13-01" is neither MM-DD nor YYYY-MM-DD`},
		{"holiday without a day", strings.Replace(policyYAML(baseRule), `date: "01-01"`, `citation: x`, 1), "calendars.XX.holidays[0] (New Year): needs a date or an easter offset"},
		{"holiday with both", strings.Replace(policyYAML(baseRule), `date: "01-01"`, "date: \"01-01\"\n        easter: -2", 1), "has both a date and an easter offset"},
		{"holiday years reversed", strings.Replace(policyYAML(baseRule), `date: "01-01"`, "date: \"01-01\"\n        from: 2030\n        until: 2020", 1), "from 2030 is after until 2020"},
		{"bad weekend", strings.Replace(policyYAML(baseRule), "    holidays:", "    weekend: [caturday]\n    holidays:", 1), `calendars.XX.weekend: "caturday" is not a day of the week`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), "test.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error:\n%v\nwant it to name %q", err, tc.want)
			}
		})
	}
}

// Every problem is reported at once, each on its own line with the file.
func TestParseReportsAllProblems(t *testing.T) {
	src := strings.NewReplacer(
		"regime: R", "regime: ''",
		"hours: 72", "business_days: 3",
		"risk_at_least: risk", "risk_at_least: medium",
	).Replace(policyYAML(baseRule))
	_, err := Parse([]byte(src), "mine.yaml")
	if err == nil {
		t.Fatal("Parse accepted a broken policy")
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 4 {
		t.Fatalf("want 4 joined problems, got:\n%v", err)
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(line, "policy mine.yaml: rules[0] (id r1): ") {
			t.Errorf("problem without its place: %q", line)
		}
	}
}

// Validate links business-day deadlines to their calendar, so a policy
// built in code counts once validated.
func TestValidateLinksCalendars(t *testing.T) {
	p := &Policy{
		ID:        "code",
		Calendars: map[string]Calendar{"XX": {}},
		Rules: []Rule{{
			ID: "r", Regime: "R", Citation: "c", Authority: "a", Clock: []string{"aware_at"},
			Phases: []Phase{{Name: "p", Deadline: Deadline{BusinessDays: 1, Calendar: "XX", Timezone: "UTC"}}},
		}},
	}
	d := p.Rules[0].Phases[0].Deadline
	if _, _, err := d.After(at(t, "2026-11-20T10:00:00Z")); err == nil {
		t.Fatal("an unlinked business-day deadline counted")
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	got, _, err := p.Rules[0].Phases[0].Deadline.After(at(t, "2026-11-20T10:00:00Z")) // a Friday
	if want := at(t, "2026-11-23T23:59:59.999999999Z"); err != nil || !got.Equal(want) {
		t.Errorf("After = %v, %v; want %v", got, err, want)
	}
}
