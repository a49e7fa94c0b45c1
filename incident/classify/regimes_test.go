package classify

import (
	"cmp"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
)

// The tables below run the default policy, one regime at a time, through
// Classify and Engine.Decide. Every expected instant is counted by hand in
// the comment beside it; none is computed by the policy package.

type listing int

const (
	notListed   listing = iota // the rule is not in the decision
	notRequired                // listed, the authority need not be told
	isRequired                 // listed and required
)

// regimeCase is one incident judged under one rule of the default policy.
type regimeCase struct {
	name  string
	f     incident.Facts
	seen  incident.Population // stored subjects; zero: Classify(f)
	rule  string              // rule_id
	state listing
	// sched is each phase's deadline in order when required (nil: no fixed
	// time); the first is the obligation's deadline.
	sched []*time.Time
	// dues are the phases' Due texts, in order; "" skips a phase, a trailing
	// "..." matches a prefix.
	dues      []string
	subj      bool       // the subjects duty is required
	subjAt    *time.Time // and due then
	clock     string     // when not the rule's first clock
	authority string     // when not the rule's usual authority
	risk      string     // the decision's risk the case rests on
	signal    string     // a review signal expected
}

// ruleMeta is what each rule says whatever the incident: who is told, which
// clock it prefers, whether it carries a duty to tell the people.
var ruleMeta = map[string]struct {
	authority, clock string
	subjects         bool
}{
	"gdpr-art33":         {"lead supervisory authority (DE)", "aware_at", true},
	"uk-gdpr-art33":      {ico, "aware_at", true},
	"nis2-art23":         {"CSIRT or competent authority (DE)", "aware_at", false},
	"hipaa-hhs-500":      {"Secretary of Health and Human Services (HHS OCR breach portal)", "detected_at", true},
	"hipaa-hhs-log":      {"Secretary of Health and Human Services (annual breach log)", "detected_at", false},
	"hipaa-media":        {"prominent media outlets serving each State or jurisdiction with more than 500 residents affected (US)", "detected_at", false},
	"california-1798-82": {"California Attorney General (sample copy of the notice)", "detected_at", true},
	"texas-521053":       {"Texas Attorney General (online breach report form)", "assessed_at", true},
	"singapore-pdpa-26d": {"Personal Data Protection Commission (PDPC)", "assessed_at", true},
	"australia-ndb":      {"Office of the Australian Information Commissioner (OAIC)", "aware_at", true},
	"brazil-lgpd-48":     {"Autoridade Nacional de Proteção de Dados (ANPD)", "aware_at", true},
	"china-pipl-57":      {"personal information protection authority (cyberspace administration)", "aware_at", true},
	"canada-pipeda-10-1": {"Office of the Privacy Commissioner of Canada (OPC)", "assessed_at", true},
	"japan-appi-26":      {"Personal Information Protection Commission (PPC), or the minister it delegated to", "aware_at", true},
}

func runRegimeCases(t *testing.T, cases []regimeCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(tt.f)
			if tt.seen.Subjects != 0 || tt.seen.Jurisdictions != nil {
				d = Standard().Decide(tt.f, tt.seen)
			}
			if tt.risk != "" && d.Risk != tt.risk {
				t.Fatalf("risk %s, want %s: the case rests on it", d.Risk, tt.risk)
			}
			if tt.signal != "" && !hasLine(signals(d), tt.signal) {
				t.Errorf("signals %q, want %q", signals(d), tt.signal)
			}
			o := ruleOf(d, tt.rule)
			if (o != nil) != (tt.state != notListed) {
				t.Fatalf("%s listed = %v, want %v; obligations %+v", tt.rule, o != nil, tt.state != notListed, d.Obligations)
			}
			if o != nil {
				checkObligation(t, tt, o)
				checkSubjects(t, tt, o)
			}
		})
	}
}

func checkObligation(t *testing.T, tt regimeCase, o *incident.Obligation) {
	t.Helper()
	meta := ruleMeta[tt.rule]
	auth, clock := cmp.Or(tt.authority, meta.authority), cmp.Or(tt.clock, meta.clock)
	if o.Required != (tt.state == isRequired) || o.Authority != auth || o.Clock != clock {
		t.Errorf("required %v, authority %q, clock %s; want %v, %q, %s (reason %q)",
			o.Required, o.Authority, o.Clock, tt.state == isRequired, auth, clock, o.Reason)
	}
	if !o.Required {
		if o.Deadline != nil || len(o.Schedule) != 0 {
			t.Errorf("not required but deadline %v, schedule %+v", o.Deadline, o.Schedule)
		}
		return
	}
	if len(o.Schedule) != len(tt.sched) || len(o.Schedule) != len(o.Phases) {
		t.Fatalf("schedule %+v, want %d phases %v", o.Schedule, len(tt.sched), o.Phases)
	}
	sameInstant(t, "deadline", o.Deadline, tt.sched[0])
	if o.Due != o.Schedule[0].Due {
		t.Errorf("due %q, first phase's %q", o.Due, o.Schedule[0].Due)
	}
	for i, p := range o.Schedule {
		sameInstant(t, p.Phase, p.Deadline, tt.sched[i])
		if i < len(tt.dues) && tt.dues[i] != "" && !dueMatches(p.Due, tt.dues[i]) {
			t.Errorf("%s due %q, want %q", p.Phase, p.Due, tt.dues[i])
		}
	}
	if want := clockOf(tt.f, o.Clock); o.ClockAt == nil || want == nil || !o.ClockAt.Equal(*want) {
		t.Errorf("clock_at %v, want the facts' %s %v", o.ClockAt, o.Clock, want)
	}
}

func checkSubjects(t *testing.T, tt regimeCase, o *incident.Obligation) {
	t.Helper()
	if !ruleMeta[tt.rule].subjects {
		if o.Subjects != nil {
			t.Errorf("subjects duty %+v on a rule without one", o.Subjects)
		}
		return
	}
	s := o.Subjects
	if s == nil || s.Required != tt.subj {
		t.Fatalf("subjects duty %+v, want required=%v", s, tt.subj)
	}
	if s.Required && s.Clock != o.Clock {
		t.Errorf("subjects clock %s, want the rule's %s", s.Clock, o.Clock)
	}
	sameInstant(t, "subjects deadline", s.Deadline, tt.subjAt)
}

func sameInstant(t *testing.T, what string, got, want *time.Time) {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Errorf("%s %s, want no fixed time", what, got)
	case want != nil && (got == nil || !got.Equal(*want) || got.Location() != time.UTC):
		t.Errorf("%s %v, want %s in UTC", what, got, want.Format(time.RFC3339Nano))
	}
}

func dueMatches(got, want string) bool {
	if prefix, ok := strings.CutSuffix(want, "..."); ok {
		return strings.HasPrefix(got, prefix)
	}
	return got == want
}

func ruleOf(d incident.Decision, id string) *incident.Obligation {
	for i := range d.Obligations {
		if d.Obligations[i].RuleID == id {
			return &d.Obligations[i]
		}
	}
	return nil
}

func clockOf(f incident.Facts, name string) *time.Time {
	return map[string]*time.Time{"aware_at": f.AwareAt, "detected_at": f.DetectedAt, "assessed_at": f.AssessedAt}[name]
}

// utcAt is a UTC instant to the minute; nsBefore the last instant before
// one, which is how the end of a local day reads in UTC.
func utcAt(y int, m time.Month, d, h, mi int) *time.Time {
	return ptr(time.Date(y, m, d, h, mi, 0, 0, time.UTC))
}

func nsBefore(y int, m time.Month, d, h int) *time.Time {
	return ptr(time.Date(y, m, d, h, 0, 0, 0, time.UTC).Add(-time.Nanosecond))
}

type headcount = map[string]int

// incidentIn is known() with the controller established in est and the
// people affected in juris (the estimate their sum), then changed by fns.
func incidentIn(est string, juris headcount, fns ...func(*incident.Facts)) incident.Facts {
	f := known()
	f.Controller.Establishment = est
	sum := 0
	for _, n := range juris {
		sum += n
	}
	f.Scope = &incident.Scope{SubjectsEstimate: ptr(sum), Jurisdictions: juris}
	for _, fn := range fns {
		fn(&f)
	}
	return f
}

// healthLeak: health data stolen by an outsider, a high risk.
func healthLeak(f *incident.Facts) {
	leak(f)
	f.Data.Categories = []string{"health"}
}

// misdirected: data sent by mistake to a known recipient, no malice.
func misdirected(f *incident.Facts) {
	f.Breach.Confidentiality, f.Breach.Exfiltration = knownRecipients, none
	f.Breach.Actor, f.Breach.Malicious = actorAccidental, ptr(false)
}

func withCategories(cats ...string) func(*incident.Facts) {
	return func(f *incident.Facts) { f.Data.Categories = cats }
}

// encrypted: state-of-the-art encryption, key not compromised.
func encrypted(f *incident.Facts) {
	f.Data.Protection = &incident.Protection{Encrypted: ptr(true), StateOfTheArt: ptr(true),
		KeyCompromised: ptr(false), HashedSalted: ptr(false), BackupAvailable: ptr(true)}
}

func hipaaRole(class string) func(*incident.Facts) {
	return func(f *incident.Facts) { f.Entity = &incident.Entity{NIS2: "none", HIPAA: class} }
}

func awareAt(t *time.Time) func(*incident.Facts) { return func(f *incident.Facts) { f.AwareAt = t } }
func detectedAt(t *time.Time) func(*incident.Facts) {
	return func(f *incident.Facts) { f.DetectedAt = t }
}
func assessedAt(t *time.Time) func(*incident.Facts) {
	return func(f *incident.Facts) { f.AssessedAt = t }
}

// The clocks of known(): aware_at Monday 2 March 2026 12:00 UTC, detected_at
// 08:00 the same day, assessed_at not stated; assessed is Wednesday 4 March.
var assessed = utcAt(2026, 3, 4, 15, 0)

func TestRegimeGDPR(t *testing.T) {
	de := headcount{"DE": 100}
	gdprSched := []*time.Time{utcAt(2026, 3, 5, 12, 0), nil, nil} // initial: aware + 72 h; follow_up, final: no fixed time
	dues := []string{"72 hours", "in phases...", "when the investigation closes"}
	runRegimeCases(t, []regimeCase{
		{name: "risk: authority only", f: incidentIn("DE", de, leak), rule: "gdpr-art33", state: isRequired,
			sched: gdprSched, dues: dues, risk: incident.RiskRisk},
		{name: "closed_at set: the final report still has no fixed time", f: incidentIn("DE", de, leak, func(f *incident.Facts) { f.ClosedAt = utcAt(2026, 3, 10, 9, 0) }),
			rule: "gdpr-art33", state: isRequired, sched: gdprSched, dues: dues},
		{name: "high risk: Art. 34 owed without undue delay", f: incidentIn("DE", de, healthLeak), rule: "gdpr-art33", state: isRequired,
			sched: gdprSched, subj: true, risk: incident.RiskHigh},
		{name: "encrypted: unlikely, Art. 34(3)(a)", f: incidentIn("DE", de, leak, encrypted), rule: "gdpr-art33", state: notRequired,
			risk: incident.RiskUnlikely},
		{name: "high risk, contact impractical: public communication instead", rule: "gdpr-art33", state: isRequired, sched: gdprSched,
			f: incidentIn("DE", de, healthLeak, func(f *incident.Facts) { f.Contact.IndividualContactPractical = ptr(false) })},
		{name: "UK: ICO, same schedule", f: incidentIn("GB", headcount{"GB": 100}, healthLeak), rule: "uk-gdpr-art33", state: isRequired,
			sched: gdprSched, dues: dues, subj: true},
		{name: "UK only: EU GDPR not engaged", f: incidentIn("GB", headcount{"GB": 100}, healthLeak), rule: "gdpr-art33"},
	})
}

// outage is a significant NIS2 incident at an essential entity in Germany:
// a six-hour outage with no personal data.
func outage(aware *time.Time) incident.Facts {
	return incidentIn("DE", headcount{"DE": 100}, awareAt(aware), func(f *incident.Facts) {
		f.Kind, f.Data = incident.KindServiceIncident, nil
		f.Breach.Availability = temporary
		f.Entity = &incident.Entity{NIS2: "essential"}
		f.Impact.ServiceDisruptionHours = 6
	})
}

func TestRegimeNIS2(t *testing.T) {
	nis2 := func(name string, f incident.Facts, sched ...*time.Time) regimeCase {
		return regimeCase{name: name, f: f, rule: "nis2-art23", state: isRequired, sched: sched,
			dues: []string{"24 hours", "72 hours", "upon request...", "1 month (Europe/Helsinki)", "if the incident is still ongoing..."}}
	}
	cest := time.FixedZone("CET", 3600)
	fallback := nis2("aware_at unknown: counted from detected_at", outage(nil),
		// detected 2 Mar 08:00; notification 5 Mar 08:00 UTC = 10:00 EET; one month on in
		// Helsinki: 5 Apr 10:00 EEST (summer time) = 07:00 UTC.
		utcAt(2026, 3, 3, 8, 0), utcAt(2026, 3, 5, 8, 0), nil, utcAt(2026, 4, 5, 7, 0), nil)
	fallback.clock, fallback.signal = "detected_at", "aware_at unknown: NIS2 deadline counted from detected_at"
	runRegimeCases(t, []regimeCase{
		// 29 Jan 10:00 + 24 h = 30 Jan; + 72 h = 1 Feb; final 1 Feb + 1 month = 1 Mar.
		nis2("end of January", outage(utcAt(2026, 1, 29, 10, 0)),
			utcAt(2026, 1, 30, 10, 0), utcAt(2026, 2, 1, 10, 0), nil, utcAt(2026, 3, 1, 10, 0), nil),
		// Notification 31 Jan; 31 Feb does not exist: the last day, 28 Feb.
		nis2("one month from 31 January", outage(utcAt(2026, 1, 28, 10, 0)),
			utcAt(2026, 1, 29, 10, 0), utcAt(2026, 1, 31, 10, 0), nil, utcAt(2026, 2, 28, 10, 0), nil),
		// 2028 is a leap year: 31 Jan + 1 month = 29 Feb.
		nis2("one month from 31 January, leap year", outage(utcAt(2028, 1, 28, 10, 0)),
			utcAt(2028, 1, 29, 10, 0), utcAt(2028, 1, 31, 10, 0), nil, utcAt(2028, 2, 29, 10, 0), nil),
		// 29 Jan 11:00 CET is 10:00 UTC: the same schedule, in UTC.
		nis2("clock given in CET", outage(ptr(time.Date(2026, 1, 29, 11, 0, 0, 0, cest))),
			utcAt(2026, 1, 30, 10, 0), utcAt(2026, 2, 1, 10, 0), nil, utcAt(2026, 3, 1, 10, 0), nil),
		fallback,
		// Notification 30 Mar 23:30 UTC = 31 Mar 01:30 in Berlin (CEST). One month on in Berlin: 30 Apr 01:30
		// CEST (no 31 Apr) = 29 Apr 23:30 UTC; the policy counts in Helsinki, 31 Mar 02:30 EEST -> 30 Apr 02:30, the same instant.
		{name: "one month from 31 March in Berlin, 30 March in UTC", f: outage(utcAt(2026, 3, 27, 23, 30)),
			rule: "nis2-art23", state: isRequired,
			sched: []*time.Time{utcAt(2026, 3, 28, 23, 30), utcAt(2026, 3, 30, 23, 30), nil, utcAt(2026, 4, 29, 23, 30), nil}},
	})
}

// phi is a theft of health data from a US covered entity (or another HIPAA
// role), with the people affected in juris.
func phi(role string, juris headcount, fns ...func(*incident.Facts)) incident.Facts {
	return incidentIn("US", juris, append([]func(*incident.Facts){healthLeak, hipaaRole(role)}, fns...)...)
}

func TestRegimeHIPAA(t *testing.T) {
	const ce = "covered_entity"
	ca600, ca500 := headcount{"US-CA": 600}, headcount{"US-CA": 500}
	day60 := utcAt(2026, 5, 1, 8, 0) // detected 2 Mar 08:00 + 60 x 24 h: 29 days to 31 Mar, 30 to 30 Apr, 1 to 1 May
	late := utcAt(2028, 1, 1, 2, 0)  // 21:00 on 31 Dec 2027 in New York, 18:00 in Los Angeles
	runRegimeCases(t, []regimeCase{
		{name: "600 people: HHS within 60 days", f: phi(ce, ca600), rule: "hipaa-hhs-500", state: isRequired,
			sched: []*time.Time{day60}, dues: []string{"60 calendar days"}, subj: true, subjAt: day60},
		{name: "600 people: no annual log", f: phi(ce, ca600), rule: "hipaa-hhs-log", state: notRequired},
		{name: "500 people: HHS within 60 days", f: phi(ce, ca500), rule: "hipaa-hhs-500", state: isRequired,
			sched: []*time.Time{day60}, subj: true, subjAt: day60},
		{name: "501 in one state: media", f: phi(ce, headcount{"US-CA": 501}), rule: "hipaa-media", state: isRequired,
			sched: []*time.Time{day60}},
		{name: "500 in one state: no media", f: phi(ce, ca500), rule: "hipaa-media", state: notRequired},
		{name: "300 + 300 in two states: no media", f: phi(ce, headcount{"US-CA": 300, "US-TX": 300}), rule: "hipaa-media",
			state: notRequired},
		{name: "499 people: HHS notice not required, people still told", f: phi(ce, headcount{"US-TX": 499}),
			rule: "hipaa-hhs-500", state: notRequired, subj: true, subjAt: day60},
		// Discovered in 2026: 60 days after 31 Dec 2026 is 1 March 2027 (2027 not a leap year), ending
		// in American Samoa (UTC-11), the westernmost US zone: 2 Mar 11:00 UTC.
		{name: "499 people: annual log", f: phi(ce, headcount{"US-TX": 499}), rule: "hipaa-hhs-log", state: isRequired,
			sched: []*time.Time{nsBefore(2027, 3, 2, 11)}, dues: []string{"60 days after the end of the calendar year (Pacific/Pago_Pago)"}},
		// Discovered 31 Dec 2027: 31 days of January + 29 of February 2028 = 60: end of 29 Feb (UTC-11).
		{name: "annual log, leap year", f: phi(ce, headcount{"US-TX": 10}, detectedAt(utcAt(2027, 12, 31, 23, 0))),
			rule: "hipaa-hhs-log", state: isRequired, sched: []*time.Time{nsBefore(2028, 3, 1, 11)}},
		// Discovered in 2027 in every US zone: the 2027 log, due by the end of 29 Feb 2028.
		{name: "annual log, 31 Dec in US time but 1 Jan in UTC", f: phi(ce, headcount{"US-TX": 10}, detectedAt(late)),
			rule: "hipaa-hhs-log", state: isRequired, sched: []*time.Time{nsBefore(2028, 3, 1, 11)}},
		{name: "600 people, 300 outside the US: HHS counts individuals", f: phi(ce, headcount{"US-CA": 300, "MX": 300}),
			rule: "hipaa-hhs-500", state: isRequired, sched: []*time.Time{day60}, subj: true, subjAt: day60},
		{name: "encrypted: secured PHI, nothing owed", f: phi(ce, ca600, encrypted), rule: "hipaa-hhs-500", state: notRequired,
			risk: incident.RiskUnlikely},
		{name: "role unknown: listed because required", f: phi("", ca600), rule: "hipaa-hhs-500", state: isRequired,
			sched: []*time.Time{day60}, subj: true, subjAt: day60, signal: "entity.hipaa unknown: HIPAA treated as applying"},
		{name: "role unknown: the log it would not need is not listed", f: phi("", ca600), rule: "hipaa-hhs-log"},
		{name: "role unknown, encrypted: not listed", f: phi("", ca600, encrypted), rule: "hipaa-hhs-500"},
		{name: "no health data: not listed", f: phi(ce, ca600, withCategories("identity", "contact")), rule: "hipaa-hhs-500"},
		{name: "not a HIPAA entity: not listed", f: phi("none", ca600), rule: "hipaa-hhs-500"},
		{name: "business associate: media duty is the covered entity's", f: phi("business_associate", ca600), rule: "hipaa-media"},
		// aware 2 Mar 12:00 + 60 x 24 h = 1 May 12:00.
		{name: "detected_at unknown: counted from aware_at", f: phi(ce, ca600, detectedAt(nil)), rule: "hipaa-hhs-500",
			state: isRequired, clock: "aware_at", sched: []*time.Time{utcAt(2026, 5, 1, 12, 0)}, subj: true,
			subjAt: utcAt(2026, 5, 1, 12, 0), signal: "detected_at unknown: HIPAA deadline counted from aware_at"},
	})
}

func TestRegimeCalifornia(t *testing.T) {
	const rule = "california-1798-82"
	day30 := utcAt(2026, 4, 1, 8, 0)  // detected 2 Mar 08:00 + 30 x 24 h: 29 days to 31 Mar, 1 to 1 Apr
	day45 := utcAt(2026, 4, 16, 8, 0) // + 45 x 24 h: 29 to 31 Mar, 16 to 16 Apr
	runRegimeCases(t, []regimeCase{
		{name: "10 Californians: no AG copy, people told in 30 days", f: incidentIn("US", headcount{"US-CA": 10}, leak),
			rule: rule, state: notRequired, subj: true, subjAt: day30},
		{name: "500: not more than 500", f: incidentIn("US", headcount{"US-CA": 500}, leak), rule: rule, state: notRequired,
			subj: true, subjAt: day30},
		{name: "501: AG sample copy", f: incidentIn("US", headcount{"US-CA": 501}, leak), rule: rule, state: isRequired,
			sched: []*time.Time{day45}, dues: []string{"45 calendar days"}, subj: true, subjAt: day30},
		{name: "encrypted: nothing required", f: incidentIn("US", headcount{"US-CA": 501}, leak, encrypted), rule: rule,
			state: notRequired},
		{name: "Texans only: not engaged", f: incidentIn("US", headcount{"US-TX": 501}, leak), rule: rule},
	})
}

func TestRegimeTexas(t *testing.T) {
	const rule = "texas-521053"
	tx := func(n int, fns ...func(*incident.Facts)) incident.Facts {
		return incidentIn("US", headcount{"US-TX": n}, append([]func(*incident.Facts){leak, assessedAt(assessed)}, fns...)...)
	}
	day30 := utcAt(2026, 4, 3, 15, 0) // assessed 4 Mar 15:00 + 30 x 24 h: 27 days to 31 Mar, 3 to 3 Apr
	day60 := utcAt(2026, 5, 3, 15, 0) // + 60 x 24 h: 3 Apr + 30 days
	runRegimeCases(t, []regimeCase{
		{name: "250 Texans: AG in 30 days", f: tx(250), rule: rule, state: isRequired, sched: []*time.Time{day30},
			dues: []string{"30 calendar days"}, subj: true, subjAt: day60},
		{name: "249: AG not required, people still told", f: tx(249), rule: rule, state: notRequired, subj: true, subjAt: day60},
		// aware 2 Mar 12:00 + 30 x 24 h = 1 Apr 12:00; + 60 x 24 h = 1 May 12:00.
		{name: "assessed_at unknown: counted from aware_at", f: tx(250, assessedAt(nil)), rule: rule, state: isRequired,
			clock: "aware_at", sched: []*time.Time{utcAt(2026, 4, 1, 12, 0)}, subj: true, subjAt: utcAt(2026, 5, 1, 12, 0),
			signal: "assessed_at unknown: Texas deadline counted from aware_at"},
		{name: "encrypted: nothing required", f: tx(250, encrypted), rule: rule, state: notRequired},
	})
}

func TestRegimeSingapore(t *testing.T) {
	const rule = "singapore-pdpa-26d"
	late := assessedAt(utcAt(2026, 11, 23, 17, 30)) // 01:30 on 24 Nov in Singapore (UTC+8)
	runRegimeCases(t, []regimeCase{
		// Day of assessment 24 Nov SGT not counted: 25, 26, 27; 28 Nov 00:00 SGT = 27 Nov 16:00 UTC.
		{name: "500 people, low risk: significant scale", f: incidentIn("SG", headcount{"SG": 500}, late), rule: rule,
			state: isRequired, sched: []*time.Time{nsBefore(2026, 11, 27, 16)}, risk: incident.RiskUnlikely,
			dues: []string{"3 calendar days (Asia/Singapore)"}},
		{name: "499 people, risk: not notifiable", f: incidentIn("SG", headcount{"SG": 499}, leak, late), rule: rule,
			state: notRequired, risk: incident.RiskRisk},
		// 15:59 UTC is 23:59 on 23 Nov SGT: 24, 25, 26; 27 Nov 00:00 SGT = 26 Nov 16:00 UTC.
		{name: "high risk: people told too, no fixed time", rule: rule, state: isRequired,
			f:     incidentIn("SG", headcount{"SG": 10}, healthLeak, assessedAt(utcAt(2026, 11, 23, 15, 59))),
			sched: []*time.Time{nsBefore(2026, 11, 26, 16)}, subj: true},
		// aware 2 Mar 12:00 UTC = 20:00 SGT: 3, 4, 5 Mar; 6 Mar 00:00 SGT = 5 Mar 16:00 UTC.
		{name: "assessed_at unknown: counted from aware_at", f: incidentIn("SG", headcount{"SG": 10}, healthLeak), rule: rule,
			state: isRequired, clock: "aware_at", sched: []*time.Time{nsBefore(2026, 3, 5, 16)}, subj: true,
			signal: "assessed_at unknown: Singapore PDPA deadline counted from aware_at"},
	})
}

func TestRegimeAustralia(t *testing.T) {
	const rule = "australia-ndb"
	au := headcount{"AU": 100}
	runRegimeCases(t, []regimeCase{
		// Assessment: aware 2 Mar 12:00 + 30 x 24 h = 1 Apr 12:00; the statement has no fixed time.
		{name: "serious harm: eligible data breach", f: incidentIn("AU", au, healthLeak), rule: rule, state: isRequired,
			sched: []*time.Time{utcAt(2026, 4, 1, 12, 0), nil}, dues: []string{"30 calendar days", "as soon as practicable..."},
			subj: true, risk: incident.RiskHigh},
		{name: "risk, not serious harm: not eligible", f: incidentIn("AU", au, leak), rule: rule, state: notRequired},
	})
}

// br is a breach in Brazil with a risk, known at aware.
func br(aware *time.Time) incident.Facts {
	return incidentIn("BR", headcount{"BR": 100}, leak, awareAt(aware))
}

func TestRegimeBrazil(t *testing.T) {
	lgpd := func(name string, f incident.Facts, first, complementary *time.Time) regimeCase {
		return regimeCase{name: name, f: f, rule: "brazil-lgpd-48", state: isRequired, sched: []*time.Time{first, complementary},
			subj: true, subjAt: first, dues: []string{"3 business days (BR calendar, America/Sao_Paulo)", "20 business days..."}}
	}
	// São Paulo is UTC-3 all year: the end of a local day D is D+1 03:00 UTC less 1 ns.
	runRegimeCases(t, []regimeCase{
		// Fri 17 Apr 12:00 local: Mon 20 (1), Tue 21 Tiradentes, Wed 22 (2), Thu 23 (3).
		// Then 20 more: Apr 24, 27-30 (5), May 1 holiday, May 4-8 (10), 11-15 (15), 18-22 (20).
		lgpd("Tiradentes", br(utcAt(2026, 4, 17, 15, 0)), nsBefore(2026, 4, 24, 3), nsBefore(2026, 5, 23, 3)),
		// Wed 1 Apr: Thu 2 (1), Fri 3 Good Friday (Easter 5 Apr), Mon 6 (2), Tue 7 (3).
		// Then Apr 8-10 (3), 13-17 (8), 20, 22-24 (12), 27-30 (16), May 4-7 (20).
		lgpd("Good Friday", br(utcAt(2026, 4, 1, 15, 0)), nsBefore(2026, 4, 8, 3), nsBefore(2026, 5, 8, 3)),
		// Wed 18 Nov: Thu 19 (1), Fri 20 Consciência Negra, Mon 23 (2), Tue 24 (3).
		// Then Nov 25-27 (3), 30, Dec 1-4 (8), 7-11 (13), 14-18 (18), 21-22 (20).
		lgpd("Consciência Negra", br(utcAt(2026, 11, 18, 15, 0)), nsBefore(2026, 11, 25, 3), nsBefore(2026, 12, 23, 3)),
		// 19 Nov 02:30 UTC is still Wed 18 Nov 23:30 local: as above (from 19 Nov it would end Wed 25).
		lgpd("late evening, already the next day in UTC", br(utcAt(2026, 11, 19, 2, 30)), nsBefore(2026, 11, 25, 3), nsBefore(2026, 12, 23, 3)),
		// 20 Nov 02:30 UTC is Thu 19 Nov 23:30 local: Fri 20 holiday, Mon 23 (1), Tue 24 (2), Wed 25 (3).
		// Then Nov 26-27 (2), 30, Dec 1-4 (7), 7-11 (12), 14-18 (17), 21-23 (20).
		lgpd("late evening before the holiday", br(utcAt(2026, 11, 20, 2, 30)), nsBefore(2026, 11, 26, 3), nsBefore(2026, 12, 24, 3)),
		// Fri 13 Feb: Carnival Mon 16, Tue 17 are working days for the policy (federal ponto facultativo): Wed 18 (3).
		// Then Feb 19-20 (2), 23-27 (7), Mar 2-6 (12), 9-13 (17), 16-18 (20).
		lgpd("Carnival counts as working days", br(utcAt(2026, 2, 13, 15, 0)), nsBefore(2026, 2, 19, 3), nsBefore(2026, 3, 19, 3)),
		// Thu 24 Dec: Fri 25 Natal, Mon 28 (1), Tue 29 (2), Wed 30 (3).
		// Then Thu 31 (1), Fri 1 Jan holiday, Jan 4-8 (6), 11-15 (11), 18-22 (16), 25-28 (20).
		lgpd("Christmas and New Year", br(utcAt(2026, 12, 24, 15, 0)), nsBefore(2026, 12, 31, 3), nsBefore(2027, 1, 29, 3)),
		{name: "unlikely: listed, not required", f: incidentIn("BR", headcount{"BR": 100}), rule: "brazil-lgpd-48",
			state: notRequired, risk: incident.RiskUnlikely},
	})
}

func TestRegimeChina(t *testing.T) {
	const rule = "china-pipl-57"
	cn := headcount{"CN": 100}
	runRegimeCases(t, []regimeCase{
		// aware 2 Mar 12:00 + 24 h, the policy's target for "immediately".
		{name: "any personal data breach: 24 h target", f: incidentIn("CN", cn), rule: rule, state: isRequired,
			sched: []*time.Time{utcAt(2026, 3, 3, 12, 0)}, dues: []string{"24 hours (policy target)"}, subj: true,
			risk: incident.RiskUnlikely},
		// 1 million people: the CAC measures' 4 hours, the law's time, not a target.
		{name: "a million people: 4 hours", f: incidentIn("CN", headcount{"CN": 1_000_000}, leak), rule: rule, state: isRequired,
			sched: []*time.Time{utcAt(2026, 3, 2, 16, 0)}, dues: []string{"4 hours"}, subj: true},
		{name: "999,999 people: 24 h target", f: incidentIn("CN", headcount{"CN": 999_999}, leak), rule: rule, state: isRequired,
			sched: []*time.Time{utcAt(2026, 3, 3, 12, 0)}, dues: []string{"24 hours (policy target)"}, subj: true},
		// People unknown: a million is not excluded, and the override shortens the deadline.
		{name: "people unknown: 4 hours not excluded", f: incidentIn("CN", nil, leak, func(f *incident.Facts) { f.Scope = nil }),
			rule: rule, state: isRequired, sched: []*time.Time{utcAt(2026, 3, 2, 16, 0)}, dues: []string{"4 hours"}, subj: true},
		{name: "encrypted: reported, people not told", f: incidentIn("CN", cn, leak, encrypted), rule: rule, state: isRequired,
			sched: []*time.Time{utcAt(2026, 3, 3, 12, 0)}},
		{name: "no personal data: not listed", rule: rule, f: incidentIn("CN", cn, func(f *incident.Facts) {
			f.Kind, f.Data = incident.KindServiceIncident, nil
		})},
	})
}

func TestRegimeCanada(t *testing.T) {
	const rule = "canada-pipeda-10-1"
	ca := headcount{"CA": 100}
	asap := []string{"as soon as feasible after determining that the breach has occurred (s. 10.1(2))"}
	runRegimeCases(t, []regimeCase{
		{name: "real risk of significant harm: no fixed time", f: incidentIn("CA", ca, healthLeak, assessedAt(assessed)),
			rule: rule, state: isRequired, sched: []*time.Time{nil}, dues: asap, subj: true},
		{name: "risk, not significant harm: not required", f: incidentIn("CA", ca, leak, assessedAt(assessed)), rule: rule,
			state: notRequired},
		{name: "assessed_at unknown: aware_at, flagged", f: incidentIn("CA", ca, healthLeak), rule: rule, state: isRequired,
			clock: "aware_at", sched: []*time.Time{nil}, subj: true,
			signal: "assessed_at unknown: Canada PIPEDA deadline counted from aware_at"},
		{name: "US-CA is California, not Canada", f: incidentIn("US", headcount{"US-CA": 100}, healthLeak), rule: rule},
	})
}

func TestRegimeJapan(t *testing.T) {
	const rule = "japan-appi-26"
	jp := func(n int, fns ...func(*incident.Facts)) incident.Facts {
		return incidentIn("JP", headcount{"JP": n}, fns...)
	}
	// aware 2 Mar 12:00 UTC = 21:00 JST; 2 Mar is day 1. Preliminary (5 days): end of 6 Mar JST = 15:00 UTC.
	prelim := nsBefore(2026, 3, 6, 15)
	day30 := nsBefore(2026, 3, 31, 15) // day 30 = 31 Mar
	dues := []string{"5 calendar days (Asia/Tokyo, the clock's day counted) (policy target)",
		"30 calendar days (Asia/Tokyo, the clock's day counted)"}
	runRegimeCases(t, []regimeCase{
		{name: "health data", f: jp(10, misdirected, withCategories("health")), rule: rule, state: isRequired,
			sched: []*time.Time{prelim, day30}, dues: dues, subj: true},
		// Malicious: 60 days, day 60 = 30 Apr (29 in March after the 2nd, 30 in April).
		{name: "malicious: final in 60 days", f: jp(10, leak), rule: rule, state: isRequired, subj: true,
			sched: []*time.Time{prelim, nsBefore(2026, 4, 30, 15)}, dues: []string{"", "60 calendar days..."}},
		// Malice not stated: read as malicious for the risk, but it must not buy 60 days instead of 30.
		{name: "malice unknown: final in 30 days", rule: rule, state: isRequired, subj: true, sched: []*time.Time{prelim, day30},
			f: jp(10, leak, withCategories("health"), func(f *incident.Facts) { f.Breach.Malicious = nil })},
		{name: "1001 people", f: jp(1001, misdirected), rule: rule, state: isRequired, sched: []*time.Time{prelim, day30}, subj: true},
		{name: "1000 people, nothing else: not reportable", f: jp(1000, misdirected), rule: rule, state: notRequired, subj: false},
		// 2 Mar 16:00 UTC = 01:00 on 3 Mar JST, day 1: preliminary ends 7 Mar JST, final 1 Apr JST.
		{name: "after midnight in Tokyo", f: jp(10, misdirected, withCategories("health"), awareAt(utcAt(2026, 3, 2, 16, 0))),
			rule: rule, state: isRequired, sched: []*time.Time{nsBefore(2026, 3, 7, 15), nsBefore(2026, 4, 1, 15)}, subj: true},
		{name: "encrypted health data: not reportable", f: jp(10, leak, withCategories("health"), encrypted), rule: rule,
			state: notRequired},
	})
}

func TestRegimePopulation(t *testing.T) {
	tx := assessedAt(assessed)
	runRegimeCases(t, []regimeCase{
		// aware Mon 2 Mar 09:00 in São Paulo: Tue 3, Wed 4, Thu 5; then Mar 6, 9-13, 16-20, 23-27, 30-31, Apr 1-2 (20).
		{name: "people stored in Brazil engage the LGPD", f: incidentIn("DE", headcount{"DE": 100}, leak),
			seen: incident.Population{Subjects: 103, Jurisdictions: headcount{"BR": 3}}, rule: "brazil-lgpd-48", state: isRequired,
			sched: []*time.Time{nsBefore(2026, 3, 6, 3), nsBefore(2026, 4, 3, 3)}, subj: true, subjAt: nsBefore(2026, 3, 6, 3)},
		{name: "without them it is not engaged", f: incidentIn("DE", headcount{"DE": 100}, leak), rule: "brazil-lgpd-48"},
		{name: "more Texans stored than estimated", f: incidentIn("US", headcount{"US-TX": 10}, leak, tx),
			seen: incident.Population{Jurisdictions: headcount{"us-tx": 300}}, rule: "texas-521053", state: isRequired,
			sched: []*time.Time{utcAt(2026, 4, 3, 15, 0)}, subj: true, subjAt: utcAt(2026, 5, 3, 15, 0)},
		{name: "fewer stored than estimated: the estimate stands", f: incidentIn("US", headcount{"US-TX": 300}, leak, tx),
			seen: incident.Population{Jurisdictions: headcount{"US-TX": 10}}, rule: "texas-521053", state: isRequired,
			sched: []*time.Time{utcAt(2026, 4, 3, 15, 0)}, subj: true, subjAt: utcAt(2026, 5, 3, 15, 0)},
		{name: "stored total passes Japan's 1000", f: incidentIn("JP", headcount{"JP": 1000}, misdirected),
			seen: incident.Population{Subjects: 1001}, rule: "japan-appi-26", state: isRequired,
			sched: []*time.Time{nsBefore(2026, 3, 6, 15), nsBefore(2026, 3, 31, 15)}, subj: true},
		{name: "a million stored in China: 4 hours", f: incidentIn("CN", headcount{"CN": 100}, leak),
			seen: incident.Population{Jurisdictions: headcount{"CN": 1_000_000}}, rule: "china-pipl-57", state: isRequired,
			sched: []*time.Time{utcAt(2026, 3, 2, 16, 0)}, subj: true},
	})
}

func TestRegimeJurisdictionCodes(t *testing.T) {
	runRegimeCases(t, []regimeCase{
		{name: "us-ca is California", f: incidentIn("US", headcount{"us-ca": 501}, leak), rule: "california-1798-82",
			state: isRequired, sched: []*time.Time{utcAt(2026, 4, 16, 8, 0)}, subj: true, subjAt: utcAt(2026, 4, 1, 8, 0)},
		{name: " Us-Tx  is Texas", f: incidentIn("US", headcount{" Us-Tx ": 250}, leak, assessedAt(assessed)), rule: "texas-521053",
			state: isRequired, sched: []*time.Time{utcAt(2026, 4, 3, 15, 0)}, subj: true, subjAt: utcAt(2026, 5, 3, 15, 0)},
		{name: "UK people are GB people", f: incidentIn("US", headcount{"UK": 10}, healthLeak), rule: "uk-gdpr-art33",
			state: isRequired, sched: []*time.Time{utcAt(2026, 3, 5, 12, 0), nil, nil}, subj: true},
		{name: "de-by is in the EEA", f: incidentIn("US", headcount{"de-by": 10}, healthLeak), rule: "gdpr-art33",
			authority: "supervisory authority of each member state concerned (DE)", state: isRequired,
			sched: []*time.Time{utcAt(2026, 3, 5, 12, 0), nil, nil}, subj: true},
	})
}
