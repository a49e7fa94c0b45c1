// Package notice decides when an incident needs a public Security Notice
// and publishes a new revision when its public facts change. A notice
// carries facts about the incident only, never anyone's personal data.
package notice

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/policy"
	"github.com/herald-notify/herald/incident/store"
)

// Reasons a notice is published (stored on the notice and shown).
const (
	ReasonDecision     = "the decision calls for a public communication (GDPR Art. 34(3)(c))"
	ReasonNotPractical = "individual contact is not practical"
	ReasonUnreachable  = "some people who must be told could not be reached individually"
	ReasonUncertain    = "some people may not have been told individually: a send was interrupted and is never repeated blindly"
	ReasonDeadline     = "at the current delivery rate, people would be told individually only after the deadline"
	ReasonRequested    = "the response team decided to publish a public notice"
)

// Signals are what the decision reads besides the incident: how telling
// people one by one is going.
type Signals struct {
	ToTell      int       // people who must be told
	Unreachable int       // of them, no channel reached
	Uncertain   int       // of them, a send was interrupted (may not have been told)
	FinishBy    time.Time // when those still waiting would all be told at the measured rate; zero: not known
}

// Decide says whether the incident needs a public notice, and why, under
// the policy's public-notice rules.
func Decide(inc incident.Incident, s Signals, rules policy.NoticePolicy) (bool, string) {
	d := inc.Decision
	switch {
	case d.PublicNotice || d.SubjectExemption == incident.ExemptionDisproportionateEffort:
		return true, ReasonDecision
	case inc.Facts.Contact != nil && inc.Facts.Contact.IndividualContactPractical != nil &&
		!*inc.Facts.Contact.IndividualContactPractical:
		return true, ReasonNotPractical
	case inc.Facts.NoticeRequested: // the team's call, even with no duty to tell people
		return true, ReasonRequested
	case !d.NotifySubjects:
		return false, ""
	case unreachedPast(s, rules):
		if s.Unreachable == 0 {
			return true, ReasonUncertain
		}
		return true, ReasonUnreachable
	case rules.DeadlineAtRisk && deadlineMissed(inc, s.FinishBy):
		return true, ReasonDeadline
	}
	return false, ""
}

// unreachedPast: the people not surely told pass a count or share threshold.
func unreachedPast(s Signals, rules policy.NoticePolicy) bool {
	n := s.Unreachable + s.Uncertain
	if n == 0 {
		return false
	}
	if rules.UnreachableAtLeast > 0 && n >= rules.UnreachableAtLeast {
		return true
	}
	return rules.UnreachableShareAtLeast > 0 && s.ToTell > 0 && float64(n)/float64(s.ToTell) >= rules.UnreachableShareAtLeast
}

// deadlineMissed: finishing at finishBy is later than the earliest
// deadline for telling people individually.
func deadlineMissed(inc incident.Incident, finishBy time.Time) bool {
	if finishBy.IsZero() {
		return false
	}
	for _, o := range inc.Decision.Obligations {
		if o.Subjects != nil && o.Subjects.Required && o.Subjects.Deadline != nil && finishBy.After(*o.Subjects.Deadline) {
			return true
		}
	}
	return false
}

// Publisher keeps each incident's notice current.
type Publisher struct {
	Store store.Store
	Now   func() time.Time
	// Rules are the policy's public-notice triggers; nil uses
	// policy.DefaultNotice.
	Rules *policy.NoticePolicy
	// FinishBy, when set, estimates when everyone still waiting for an
	// incident would be told at the measured delivery rate (zero: unknown),
	// for the deadline_at_risk trigger.
	FinishBy func(incidentID string) time.Time
	// mu serialises Ensure: dispatcher workers call it concurrently, and two
	// unserialised calls would both see "no notice" and publish twice.
	mu sync.Mutex
}

// Ensure publishes a first notice when one is needed, and a new revision
// when the public facts changed since the last. It reports whether it
// published.
func (p *Publisher) Ensure(ctx context.Context, incidentID string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	inc, err := p.Store.GetIncident(ctx, incidentID)
	if err != nil {
		return false, fmt.Errorf("load incident: %w", err)
	}
	last, err := p.Store.GetNotice(ctx, incidentID)
	if err != nil && incident.ErrorCode(err) != incident.CodeNotFound {
		return false, fmt.Errorf("load notice: %w", err)
	}
	exists := err == nil
	public := PublicFacts(inc.Facts)
	if exists && reflect.DeepEqual(normalise(last.Facts), normalise(public)) {
		// Once published, a notice stays up and is revised only on new
		// facts: nothing to count (this runs for every unreachable person).
		return false, nil
	}
	signals, err := p.signals(ctx, incidentID)
	if err != nil {
		return false, err
	}
	rules := policy.DefaultNotice
	if p.Rules != nil {
		rules = *p.Rules
	}
	need, reason := Decide(inc, signals, rules)
	if !need && !exists {
		return false, nil
	}
	if !need {
		reason = last.Reason
	}
	now := p.now()
	n := incident.Notice{IncidentID: inc.ID, Reason: reason, Title: inc.Facts.Title,
		PublishedAt: now, UpdatedAt: now, Facts: public}
	if exists {
		n.PublishedAt = last.PublishedAt
	}
	if _, err := p.Store.SaveNotice(ctx, n); err != nil {
		return false, fmt.Errorf("save notice: %w", err)
	}
	return true, nil
}

// signals gathers what the decision reads: the people no channel reached,
// those an interrupted send left uncertain, and how many must be told.
// Ensure runs after every event, so it counts only the rare outcomes and
// reads the kept population, never every person.
func (p *Publisher) signals(ctx context.Context, incidentID string) (Signals, error) {
	var s Signals
	var err error
	if s.Unreachable, err = p.Store.CountOutcome(ctx, incidentID, incident.OutcomeUnreachable); err != nil {
		return s, fmt.Errorf("count unreachable people: %w", err)
	}
	if s.Uncertain, err = p.Store.CountOutcome(ctx, incidentID, incident.OutcomeUncertain); err != nil {
		return s, fmt.Errorf("count uncertain people: %w", err)
	}
	pop, err := p.Store.Population(ctx, incidentID)
	if err != nil {
		return s, fmt.Errorf("count people to tell: %w", err)
	}
	s.ToTell = pop.Subjects
	if p.FinishBy != nil {
		s.FinishBy = p.FinishBy(incidentID)
	}
	return s, nil
}

// PublicFacts keeps what the public may read: what happened, its impact,
// measures, advice, remedies, contact point and dates. Internal detail
// (jurisdiction counts, NIS2 class, financial loss) stays out.
func PublicFacts(f incident.Facts) incident.Facts {
	return incident.Facts{
		IncidentID: f.IncidentID, Title: f.Title, Summary: f.Summary, Kind: f.Kind,
		Controller: f.Controller, OccurredFrom: f.OccurredFrom, OccurredTo: f.OccurredTo,
		DetectedAt: f.DetectedAt, ContainedAt: f.ContainedAt, Breach: f.Breach, Data: publicData(f.Data),
		Measures: f.Measures, FinalMeasures: f.FinalMeasures, Advice: f.Advice, Remediation: f.Remediation, ClosedAt: f.ClosedAt,
	}
}

func publicData(d *incident.DataInfo) *incident.DataInfo {
	if d == nil {
		return nil
	}
	return &incident.DataInfo{Categories: d.Categories}
}

// normalise compares facts as their JSON, so stored and fresh values that
// differ only in representation (time zones, nil vs empty) are equal.
func normalise(f incident.Facts) map[string]any {
	b, _ := json.Marshal(f)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}
