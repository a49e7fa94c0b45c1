package notice_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/policy"
	"github.com/herald-notify/herald/notifier/notice"
)

func TestDecide(t *testing.T) {
	// base needs no notice: people are told one by one and all were reached.
	base := func() incident.Incident {
		return incident.Incident{ID: incidenttest.DemoID,
			Facts:    incident.Facts{Contact: &incident.Contact{IndividualContactPractical: ptr(true)}},
			Decision: incident.Decision{NotifySubjects: true, SubjectExemption: incident.ExemptionNone}}
	}
	rules := policy.NoticePolicy{Citation: "x", UnreachableAtLeast: 10, UnreachableShareAtLeast: 0.05, DeadlineAtRisk: true}
	deadline := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	withDeadline := func(i *incident.Incident) {
		i.Decision.Obligations = []incident.Obligation{{Regime: "GDPR", Subjects: &incident.SubjectsDuty{Required: true, Deadline: &deadline}}}
	}
	cases := []struct {
		name    string
		change  func(*incident.Incident, *notice.Signals)
		publish bool
		reason  string
	}{
		{"none of the rules", func(*incident.Incident, *notice.Signals) {}, false, ""},
		{"decision asks for public notice", func(i *incident.Incident, _ *notice.Signals) {
			i.Decision.PublicNotice = true
		}, true, notice.ReasonDecision},
		{"disproportionate effort", func(i *incident.Incident, _ *notice.Signals) {
			i.Decision.NotifySubjects, i.Decision.SubjectExemption = false, incident.ExemptionDisproportionateEffort
		}, true, notice.ReasonDecision},
		{"individual contact not practical", func(i *incident.Incident, _ *notice.Signals) {
			i.Facts.Contact.IndividualContactPractical = ptr(false)
		}, true, notice.ReasonNotPractical},
		{"practicality unknown", func(i *incident.Incident, _ *notice.Signals) {
			i.Facts.Contact = &incident.Contact{}
		}, false, ""},
		{"no contact facts", func(i *incident.Incident, _ *notice.Signals) { i.Facts.Contact = nil }, false, ""},
		{"unreachable at the count threshold", func(_ *incident.Incident, s *notice.Signals) {
			s.ToTell, s.Unreachable = 100000, 10
		}, true, notice.ReasonUnreachable},
		{"unreachable below count and share", func(_ *incident.Incident, s *notice.Signals) {
			s.ToTell, s.Unreachable = 100000, 9
		}, false, ""},
		{"unreachable at the share threshold", func(_ *incident.Incident, s *notice.Signals) {
			s.ToTell, s.Unreachable = 40, 2
		}, true, notice.ReasonUnreachable},
		{"unreachable below the share", func(_ *incident.Incident, s *notice.Signals) {
			s.ToTell, s.Unreachable = 41, 2
		}, false, ""},
		{"sends interrupted by a crash count too", func(_ *incident.Incident, s *notice.Signals) {
			s.ToTell, s.Uncertain = 10, 1
		}, true, notice.ReasonUncertain},
		{"unreachable but nobody had to be told", func(i *incident.Incident, s *notice.Signals) {
			i.Decision.NotifySubjects, s.ToTell, s.Unreachable = false, 10, 2
		}, false, ""},
		{"other exemption", func(i *incident.Incident, _ *notice.Signals) {
			i.Decision.NotifySubjects, i.Decision.SubjectExemption = false, incident.ExemptionEncrypted
		}, false, ""},
		{"delivery would miss the deadline", func(i *incident.Incident, s *notice.Signals) {
			withDeadline(i)
			s.ToTell, s.FinishBy = 1000000, deadline.Add(time.Hour)
		}, true, notice.ReasonDeadline},
		{"delivery finishes before the deadline", func(i *incident.Incident, s *notice.Signals) {
			withDeadline(i)
			s.ToTell, s.FinishBy = 1000000, deadline.Add(-time.Hour)
		}, false, ""},
		{"finish time not known", func(i *incident.Incident, s *notice.Signals) {
			withDeadline(i)
			s.ToTell = 1000000
		}, false, ""},
		{"the team asks for a notice", func(i *incident.Incident, _ *notice.Signals) {
			i.Facts.NoticeRequested = true
		}, true, notice.ReasonRequested},
		{"the team asks though nobody must be told", func(i *incident.Incident, _ *notice.Signals) {
			i.Facts.NoticeRequested, i.Decision.NotifySubjects = true, false
		}, true, notice.ReasonRequested},
		{"the team's request withdrawn", func(i *incident.Incident, _ *notice.Signals) {
			i.Facts.NoticeRequested = false
		}, false, ""},
		{"the decision's reason comes before the team's", func(i *incident.Incident, _ *notice.Signals) {
			i.Facts.NoticeRequested, i.Decision.PublicNotice = true, true
		}, true, notice.ReasonDecision},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inc, signals := base(), notice.Signals{}
			c.change(&inc, &signals)
			publish, reason := notice.Decide(inc, signals, rules)
			if publish != c.publish || reason != c.reason {
				t.Errorf("Decide = %v %q, want %v %q", publish, reason, c.publish, c.reason)
			}
		})
	}
	// Rules switched off never publish on counts or the deadline.
	inc := base()
	withDeadline(&inc)
	off := policy.NoticePolicy{Citation: "x"}
	if publish, _ := notice.Decide(inc, notice.Signals{ToTell: 10, Unreachable: 10, FinishBy: deadline.Add(time.Hour)}, off); publish {
		t.Error("published with every trigger switched off")
	}
}

// TestEnsurePublishesWhenTheTeamAsks: a notice_requested patch, merged by
// the real applier, publishes a notice the rules alone would not.
func TestEnsurePublishesWhenTheTeamAsks(t *testing.T) {
	p := newPipeline(t)
	p.update(t, map[string]any{"notice_requested": false})
	if p.ensure(t) {
		t.Fatal("notice_requested false published a notice")
	}
	p.update(t, map[string]any{"notice_requested": true, "change_reason": "press coverage"})
	if !p.ensure(t) {
		t.Fatal("no notice after the team asked for one")
	}
	if n := p.notice(t); n.Reason != notice.ReasonRequested {
		t.Errorf("notice reason = %q, want %q", n.Reason, notice.ReasonRequested)
	}
	if b, _ := json.Marshal(p.notice(t).Facts); strings.Contains(string(b), "notice_requested") {
		t.Errorf("the team's request leaked into the public facts: %s", b)
	}
}

func TestEnsurePublishesOnlyWhenNeeded(t *testing.T) {
	p := newPipeline(t)
	if p.ensure(t) {
		t.Fatal("published a notice the demo does not need")
	}
	if _, err := p.Store.GetNotice(context.Background(), incidenttest.DemoID); incident.ErrorCode(err) != incident.CodeNotFound {
		t.Fatalf("notice stored without need: %v", err)
	}

	p.notPractical(t)
	if !p.ensure(t) {
		t.Fatal("no notice once individual contact is not practical")
	}
	n := p.notice(t)
	inc, _ := p.Store.GetIncident(context.Background(), incidenttest.DemoID)
	_, reason := notice.Decide(inc, notice.Signals{}, policy.DefaultNotice)
	t0 := incidenttest.T0
	if n.Revision != 1 || n.Reason != reason || !n.PublishedAt.Equal(t0) || !n.UpdatedAt.Equal(t0) {
		t.Errorf("notice = revision %d reason %q published %v updated %v, want 1, %q, %v",
			n.Revision, n.Reason, n.PublishedAt, n.UpdatedAt, reason, t0)
	}
	if n.Title != inc.Facts.Title || !reflect.DeepEqual(n.Facts.Measures, inc.Facts.Measures) {
		t.Errorf("notice title %q / measures %+v do not match the facts", n.Title, n.Facts.Measures)
	}

	p.Clock.Advance(time.Hour)
	if p.ensure(t) {
		t.Error("second ensure with unchanged facts published again")
	}
	if n := p.notice(t); n.Revision != 1 {
		t.Errorf("revision = %d, want 1", n.Revision)
	}
}

func TestEnsureRevisesOnPublicChangesOnly(t *testing.T) {
	p := newPipeline(t)
	p.notPractical(t)
	p.ensure(t)
	first := p.notice(t)

	p.Clock.Advance(6 * time.Hour)
	measures := map[string]any{"taken": []string{"Revoked every support-agent session", "Informed the police"}}
	p.update(t, map[string]any{"measures": measures})
	if !p.ensure(t) {
		t.Fatal("new measures did not publish a revision")
	}
	n := p.notice(t)
	t0, now := incidenttest.T0, p.Clock.Now()
	if n.Revision != 2 || !n.PublishedAt.Equal(t0) || !n.UpdatedAt.Equal(now) || n.Reason != first.Reason {
		t.Errorf("revision %d published %v updated %v reason %q; want 2, first publication %v, now, reason kept",
			n.Revision, n.PublishedAt, n.UpdatedAt, n.Reason, t0)
	}
	if !slices.Contains(n.Facts.Measures.Taken, "Informed the police") {
		t.Errorf("revision 2 measures = %q", n.Facts.Measures.Taken)
	}

	p.Clock.Advance(time.Hour)
	p.update(t, map[string]any{"scope": map[string]any{"subjects_estimate": 50000, "jurisdictions": map[string]any{"AT": 12}}})
	p.update(t, map[string]any{"impact": map[string]any{"financial_loss_eur": 25000}, "entity": map[string]any{"nis2": "essential"}})
	if p.ensure(t) {
		t.Error("internal-only changes (scope, impact, entity) published a revision")
	}
	if n := p.notice(t); n.Revision != 2 {
		t.Errorf("revision = %d, want still 2", n.Revision)
	}
}

// Once up, a notice stays up: when the reason lapses it is still revised
// on new public facts, under its original reason.
func TestEnsureNeverUnpublishes(t *testing.T) {
	p := newPipeline(t)
	p.notPractical(t)
	p.ensure(t)
	first := p.notice(t)

	p.Clock.Advance(24 * time.Hour)
	p.update(t, map[string]any{"contact": map[string]any{"individual_contact_practical": true},
		"contained_at": "2026-11-24T08:00:00Z", "change_reason": "contact details recovered for everyone"})
	inc, _ := p.Store.GetIncident(context.Background(), incidenttest.DemoID)
	if need, _ := notice.Decide(inc, notice.Signals{}, policy.DefaultNotice); need {
		t.Fatalf("precondition: the notice is no longer needed, decision %+v", inc.Decision)
	}
	if !p.ensure(t) {
		t.Fatal("containment was not published once the reason lapsed")
	}
	n := p.notice(t)
	if n.Revision != 2 || n.Reason != first.Reason || n.Facts.ContainedAt == nil {
		t.Errorf("revision %d reason %q contained %v", n.Revision, n.Reason, n.Facts.ContainedAt)
	}
	list, err := p.Store.ListNotices(context.Background())
	if err != nil || len(list) != 1 || list[0].Revision != 2 {
		t.Errorf("notices listed = %+v (%v), want revision 2 of the demo", list, err)
	}
}

func TestEnsurePublishesWhenPeopleUnreachable(t *testing.T) {
	p := newPipeline(t)
	data, _ := json.Marshal(incident.SubjectsBatch{IncidentID: incidenttest.DemoID, Subjects: []incident.Subject{{ID: "u-1"}, {ID: "u-2"}}})
	p.Apply(t, incident.Event{SpecVersion: "1.0", ID: "evt-subj", Source: "urn:test", Type: incident.TypeSubjects,
		Subject: incidenttest.DemoID, Data: data})
	if p.ensure(t) {
		t.Fatal("published before anyone was found unreachable")
	}
	if err := p.Store.SetOutcome(context.Background(), incidenttest.DemoID, "u-2", incident.OutcomeUnreachable, ""); err != nil {
		t.Fatal(err)
	}
	if !p.ensure(t) {
		t.Fatal("no notice with an unreachable subject")
	}
	if n := p.notice(t); n.Reason != notice.ReasonUnreachable {
		t.Errorf("reason = %q, want %q", n.Reason, notice.ReasonUnreachable)
	}
}

func TestEnsureConcurrentPublishesOnce(t *testing.T) {
	p := newPipeline(t)
	p.notPractical(t)
	var published atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			ok, err := p.pub.Ensure(context.Background(), incidenttest.DemoID)
			if ok {
				published.Add(1)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := p.notice(t); published.Load() != 1 || n.Revision != 1 {
		t.Errorf("16 concurrent ensures: %d said published, latest revision %d; want 1 and 1", published.Load(), n.Revision)
	}
}

func TestPublicFactsKeepsInternalDataOut(t *testing.T) {
	f := incidenttest.DemoFacts(t)
	closed := incidenttest.T0 // a copy: nothing may change the shared T0 through f
	f.ClosedAt = &closed
	f.RootCause = "infostealer on a support laptop"
	pub := notice.PublicFacts(f)
	if pub.Scope != nil || pub.Impact != nil || pub.Entity != nil || pub.Contact != nil || pub.RootCause != "" {
		t.Errorf("internal facts kept: scope %v impact %v entity %v contact %v root cause %q",
			pub.Scope, pub.Impact, pub.Entity, pub.Contact, pub.RootCause)
	}
	b, err := json.Marshal(pub)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	internal := []string{`"scope":`, `"subjects_estimate":`, `"records_estimate":`, `"jurisdictions":`,
		`"impact":`, `"financial_loss_eur":`, `"entity":`, `"nis2":`, `"contact":`, `"dpc_adjustments":`,
		`"protection":`, `"identifiability":`, `"root_cause":`}
	for juris := range f.Scope.Jurisdictions {
		if juris != f.Controller.Establishment { // the controller's seat is public
			internal = append(internal, `"`+juris+`"`)
		}
	}
	for _, s := range internal {
		if strings.Contains(doc, s) {
			t.Errorf("public facts carry %q: %s", s, doc)
		}
	}
	checkPublicKept(t, f, pub)
}

// checkPublicKept: what the public needs to act on stays.
func checkPublicKept(t *testing.T, f, pub incident.Facts) {
	t.Helper()
	if pub.IncidentID != f.IncidentID || pub.Title != f.Title || pub.Summary != f.Summary ||
		!reflect.DeepEqual(pub.Measures, f.Measures) || !slices.Equal(pub.Advice, f.Advice) ||
		!slices.Equal(pub.Remediation, f.Remediation) || !reflect.DeepEqual(pub.Controller, f.Controller) {
		t.Errorf("public facts lost what the public must read: %+v", pub)
	}
	if pub.Data == nil || !slices.Equal(pub.Data.Categories, f.Data.Categories) || pub.ClosedAt == nil ||
		pub.OccurredFrom == nil || pub.DetectedAt == nil {
		t.Errorf("public facts lost categories or dates: %+v", pub)
	}
}

func TestStoredNoticeCarriesOnlyPublicFacts(t *testing.T) {
	p := newPipeline(t)
	p.notPractical(t)
	p.ensure(t)
	b, _ := json.Marshal(p.notice(t))
	for _, s := range []string{`"scope":`, `"impact":`, `"entity":`, `"contact":`, `"jurisdictions":`} {
		if strings.Contains(string(b), s) {
			t.Errorf("stored notice carries %s", s)
		}
	}
}
