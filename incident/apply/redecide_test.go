package apply_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/apply"
	"github.com/herald-notify/herald/incident/classify"
	"github.com/herald-notify/herald/incident/contract"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/store"
)

// brazilRule decides like a policy whose LGPD rule engages on people in
// Brazil: its report is owed once one Brazilian subject is stored. It
// records the population it was given.
type brazilRule struct{ seen []incident.Population }

func (b *brazilRule) decide(_ incident.Facts, pop incident.Population) incident.Decision {
	b.seen = append(b.seen, pop)
	d := incident.Decision{Risk: incident.RiskHigh, NotifyAuthority: true, NotifySubjects: true,
		SubjectExemption: incident.ExemptionNone,
		Obligations:      []incident.Obligation{{Regime: "GDPR", RuleID: "gdpr-art33", Authority: "DPA (DE)", Required: true}}}
	if pop.Jurisdictions["BR"] > 0 {
		d.Obligations = append(d.Obligations,
			incident.Obligation{Regime: "Brazil LGPD", RuleID: "brazil-lgpd-48", Authority: "ANPD", Required: true})
	}
	return d
}

// fewPeople tells people one by one only while fewer than three are stored,
// so that a subjects batch can drop a duty.
func fewPeople(_ incident.Facts, pop incident.Population) incident.Decision {
	return incident.Decision{Risk: incident.RiskHigh, NotifyAuthority: true, NotifySubjects: pop.Subjects < 3,
		SubjectExemption: incident.ExemptionNone}
}

func newApplier(st store.Store, c *incidenttest.Clock, classify apply.Classifier) *apply.Applier {
	return &apply.Applier{Store: st, Classify: classify, Now: c.Now}
}

func subjectsIn(jurisdiction string, ids ...string) incident.SubjectsBatch {
	b := subjects(ids...)
	for i := range b.Subjects {
		b.Subjects[i].Jurisdiction = jurisdiction
	}
	return b
}

// batch applies a subjects event and checks whether it made a new version.
func batch(t *testing.T, a *apply.Applier, id string, b incident.SubjectsBatch, added int, newVersion bool) {
	t.Helper()
	res := incidenttest.MustApply(t, a, event(t, id, incident.TypeSubjects, b))
	if res.SubjectsAdded != added || res.DecisionChanged != newVersion {
		t.Errorf("%s: added %d, new version %v; want %d, %v", id, res.SubjectsAdded, res.DecisionChanged, added, newVersion)
	}
}

func TestFirstSubjectOfNewJurisdictionMakesNewVersion(t *testing.T) {
	st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
	rule := &brazilRule{}
	a := newApplier(st, c, rule.decide)
	incidenttest.MustApply(t, a, incidenttest.DemoEvent(t))

	c.Advance(time.Hour)
	batch(t, a, "evt-de", subjectsIn("DE", "u-1", "u-2"), 2, false)
	batch(t, a, "evt-br", subjectsIn("br", "u-3"), 1, true)
	batch(t, a, "evt-br-more", subjectsIn("BR", "u-3", "u-4"), 1, false)
	batch(t, a, "evt-br-again", subjectsIn("BR", "u-3", "u-4"), 0, false)

	ds := decisions(t, st, incidenttest.DemoID)
	if len(ds) != 2 {
		t.Fatalf("decision log has %d versions, want 2", len(ds))
	}
	want := []incident.Change{{Field: "obligations[brazil-lgpd-48]", From: "null",
		To: `{"regime":"Brazil LGPD","authority":"ANPD","required":true,"subjects_required":false}`}}
	if v2 := ds[1]; !reflect.DeepEqual(v2.Changes, want) || v2.ChangeReason != "" || !v2.DecidedAt.Equal(c.Now()) {
		t.Errorf("v2 changes %+v reason %q decided %v; want %+v, no reason, now", v2.Changes, v2.ChangeReason, v2.DecidedAt, want)
	}
	if inc := getIncident(t, st, incidenttest.DemoID); inc.Decision.Version != 2 || !inc.UpdatedAt.Equal(c.Now()) {
		t.Errorf("current decision version %d updated %v; want 2 at %v", inc.Decision.Version, inc.UpdatedAt, c.Now())
	}
	last := rule.seen[len(rule.seen)-1]
	if wantPop := (incident.Population{Subjects: 4, Jurisdictions: map[string]int{"DE": 2, "BR": 2}}); !reflect.DeepEqual(last, wantPop) {
		t.Errorf("classifier last saw %+v, want %+v", last, wantPop)
	}
	if len(rule.seen) != 4 { // opened and the three batches that added people
		t.Errorf("classifier ran %d times, want 4", len(rule.seen))
	}
}

// A subjects batch cannot give a reason, so a duty it would drop is held,
// and said once: the next batch that would drop it again adds no version.
func TestSubjectsBatchDowngradeIsHeldOnce(t *testing.T) {
	st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
	a := newApplier(st, c, fewPeople)
	incidenttest.MustApply(t, a, incidenttest.DemoEvent(t))
	batch(t, a, "evt-1", subjects("u-1", "u-2"), 2, false)
	batch(t, a, "evt-2", subjects("u-3", "u-4"), 2, true)
	batch(t, a, "evt-3", subjects("u-5"), 1, false)

	v2 := getIncident(t, st, incidenttest.DemoID).Decision
	if v2.Version != 2 || !v2.NotifySubjects {
		t.Fatalf("v%d notify_subjects %v; want v2 holding true", v2.Version, v2.NotifySubjects)
	}
	want := []incident.Change{
		{Field: "review.human_review_required", From: "false", To: "true"},
		{Field: "notify_subjects", From: "true", To: "false", Held: true},
	}
	if !reflect.DeepEqual(v2.Changes, want) {
		t.Errorf("v2 changes = %+v, want %+v", v2.Changes, want)
	}
	signal := "notify_subjects: true -> false held: give change_reason in an update to confirm"
	if v2.Review == nil || !slices.Contains(v2.Review.Signals, signal) {
		t.Errorf("v2 review = %+v, want the signal %q", v2.Review, signal)
	}
	// The dispatcher goes on telling people while the duty is held.
	if ks, err := st.ToQueue(context.Background(), 10); err != nil || len(ks) != 5 {
		t.Errorf("people to queue while held = %d, %v; want 5", len(ks), err)
	}

	reason := "All five accounts were test fixtures; nobody real is affected."
	incidenttest.MustApply(t, a, event(t, "evt-upd", incident.TypeUpdated,
		map[string]any{"incident_id": incidenttest.DemoID, "change_reason": reason}))
	v3 := getIncident(t, st, incidenttest.DemoID).Decision
	want = []incident.Change{
		{Field: "notify_subjects", From: "true", To: "false"},
		{Field: "review.human_review_required", From: "true", To: "false"},
	}
	if v3.Version != 3 || v3.NotifySubjects || v3.ChangeReason != reason || !reflect.DeepEqual(v3.Changes, want) {
		t.Errorf("v3 = version %d notify %v reason %q changes %+v; want 3, false, the reason, %+v",
			v3.Version, v3.NotifySubjects, v3.ChangeReason, v3.Changes, want)
	}
	if ks, err := st.ToQueue(context.Background(), 10); err != nil || len(ks) != 0 {
		t.Errorf("people to queue after the confirmed flip = %d, %v; want none", len(ks), err)
	}
}

// encryptedPatch says the data were strongly encrypted with a safe key:
// the GDPR exemption from telling people one by one (Art. 34(3)(a)).
func encryptedPatch(reason string) map[string]any {
	p := map[string]any{"incident_id": incidenttest.DemoID, "data": map[string]any{
		"protection": map[string]any{"encrypted": true, "state_of_the_art": true, "key_compromised": false}}}
	if reason != "" {
		p["change_reason"] = reason
	}
	return p
}

func TestUpdateDowngradeWithoutReasonIsHeld(t *testing.T) {
	st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
	a := incidenttest.NewApplier(st, c)
	incidenttest.MustApply(t, a, incidenttest.DemoEvent(t))
	v1 := getIncident(t, st, incidenttest.DemoID).Decision

	c.Advance(time.Hour)
	incidenttest.MustApply(t, a, event(t, "evt-enc", incident.TypeUpdated, encryptedPatch("")))
	inc := getIncident(t, st, incidenttest.DemoID)
	proposed := classify.Standard().Decide(inc.Facts, incident.Population{})
	dropped := incident.DroppedDuties(v1, proposed)
	if !slices.ContainsFunc(dropped, func(c incident.Change) bool { return c.Field == "notify_subjects" }) {
		t.Fatalf("precondition: the classifier no longer asks to tell people of encrypted data; drops %+v", dropped)
	}
	v2 := inc.Decision
	if left := incident.DroppedDuties(v1, v2); len(left) != 0 {
		t.Errorf("v2 dropped duties silently: %+v", left)
	}
	var held []string
	for _, c := range v2.Changes {
		if c.Held {
			held = append(held, c.Field)
			if !slices.Contains(v2.Review.Signals, incident.HoldSignal(c)) {
				t.Errorf("held %s has no review signal in %+v", c.Field, v2.Review)
			}
		}
	}
	for _, d := range dropped {
		if !slices.Contains(held, d.Field) {
			t.Errorf("dropped duty %s is not marked held in %+v", d.Field, v2.Changes)
		}
	}
	if v2.Version != 2 || v2.SubjectExemption != proposed.SubjectExemption {
		t.Errorf("v2 version %d exemption %q; want 2 and the classifier's %q", v2.Version, v2.SubjectExemption, proposed.SubjectExemption)
	}

	// The same facts again, now with a reason: the flip happens and says why.
	reason := "Forensics confirmed AES-256 at rest; the key never left the HSM."
	incidenttest.MustApply(t, a, event(t, "evt-why", incident.TypeUpdated, encryptedPatch(reason)))
	v3 := getIncident(t, st, incidenttest.DemoID).Decision
	if v3.Version != 3 || v3.ChangeReason != reason || v3.NotifySubjects != proposed.NotifySubjects {
		t.Errorf("v3 version %d reason %q notify %v; want 3, the reason, %v", v3.Version, v3.ChangeReason, v3.NotifySubjects, proposed.NotifySubjects)
	}
	if !slices.Contains(v3.Changes, incident.Change{Field: "notify_subjects", From: "true", To: "false"}) {
		t.Errorf("v3 changes %+v lack notify_subjects true -> false", v3.Changes)
	}
}

// change_reason is read from the event and never becomes a fact.
func TestChangeReasonIsNotAFact(t *testing.T) {
	st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
	a := incidenttest.NewApplier(st, c)
	opened := incidenttest.DemoEvent(t)
	var data map[string]any
	if err := json.Unmarshal(opened.Data, &data); err != nil {
		t.Fatal(err)
	}
	data["change_reason"] = "first version: ignored"
	incidenttest.MustApply(t, a, event(t, "evt-open", incident.TypeOpened, data))
	data["change_reason"] = "restated after the audit"
	incidenttest.MustApply(t, a, event(t, "evt-reopen", incident.TypeOpened, data))

	ds := decisions(t, st, incidenttest.DemoID)
	if len(ds) != 2 || ds[0].ChangeReason != "" || ds[1].ChangeReason != "restated after the audit" || len(ds[1].Changes) != 0 {
		t.Errorf("versions = %d, reasons %q / %q, v2 changes %+v; want 2, none, the restatement's, no changes",
			len(ds), ds[0].ChangeReason, ds[len(ds)-1].ChangeReason, ds[len(ds)-1].Changes)
	}
	facts, err := json.Marshal(getIncident(t, st, incidenttest.DemoID).Facts)
	if err != nil || strings.Contains(string(facts), "change_reason") {
		t.Errorf("stored facts carry change_reason: %s", facts)
	}
}

func TestChangeReasonMustBeShortText(t *testing.T) {
	for name, reason := range map[string]any{"number": 5, "too long": strings.Repeat("x", 2001)} {
		t.Run(name, func(t *testing.T) {
			st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
			a := incidenttest.NewApplier(st, c)
			incidenttest.MustApply(t, a, incidenttest.DemoEvent(t))
			ev := event(t, "evt-bad", incident.TypeUpdated, map[string]any{"incident_id": incidenttest.DemoID, "change_reason": reason})
			_, err := a.Apply(context.Background(), ev)
			if incident.ErrorCode(err) != incident.CodeInvalid || incident.ErrorField(err) != "data.change_reason" {
				t.Errorf("err = %v, want invalid data.change_reason", err)
			}
		})
	}
}

// Through the real engine: the demo's facts without Brazil, then the first
// Brazilian subject engages the LGPD rule; people from a jurisdiction
// already counted change nothing.
func TestStandardEngineFollowsThePopulation(t *testing.T) {
	st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
	a := incidenttest.NewApplier(st, c)
	f := incidenttest.DemoFacts(t)
	f.Scope.Jurisdictions = map[string]int{"DE": 40000, "FR": 8200}
	incidenttest.MustApply(t, a, event(t, "evt-open", incident.TypeOpened, f))
	if _, ok := obligation(getIncident(t, st, incidenttest.DemoID).Decision, "Brazil LGPD"); ok {
		t.Fatal("precondition: LGPD listed before anyone in Brazil is known")
	}
	batch(t, a, "evt-de", subjectsIn("DE", "u-1", "u-2"), 2, false)
	batch(t, a, "evt-br", subjectsIn("BR", "u-3"), 1, true)

	v2 := getIncident(t, st, incidenttest.DemoID).Decision
	ob, ok := obligation(v2, "Brazil LGPD")
	if v2.Version != 2 || !ok || !ob.Required {
		t.Fatalf("v%d LGPD %+v; want v2 requiring the LGPD report", v2.Version, ob)
	}
	key := "obligations[" + incident.ObligationKey(ob) + "]"
	if !slices.ContainsFunc(v2.Changes, func(c incident.Change) bool { return c.Field == key && c.From == "null" }) {
		t.Errorf("v2 changes %+v do not add %s", v2.Changes, key)
	}
	batch(t, a, "evt-br-2", subjectsIn("BR", "u-4"), 1, false)
}

// The wire contract lets change_reason through on both event types that
// may carry it, so the applier can read it.
func TestContractAcceptsChangeReason(t *testing.T) {
	for _, typ := range []string{incident.TypeUpdated, incident.TypeOpened} {
		var data map[string]any
		if err := json.Unmarshal(incidenttest.DemoEvent(t).Data, &data); err != nil {
			t.Fatal(err)
		}
		data["change_reason"] = "confirmed by the DPO"
		raw, err := json.Marshal(map[string]any{"specversion": "1.0", "id": "evt-1", "source": "urn:test",
			"type": typ, "datacontenttype": "application/json", "data": data})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := contract.Decode(raw, nil)
		if err != nil {
			t.Errorf("%s with change_reason rejected: %v", typ, err)
			continue
		}
		st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
		a := incidenttest.NewApplier(st, c)
		incidenttest.MustApply(t, a, incidenttest.DemoEvent(t))
		incidenttest.MustApply(t, a, ev)
		if got := getIncident(t, st, incidenttest.DemoID).Decision.ChangeReason; got != "confirmed by the DPO" {
			t.Errorf("%s: change_reason = %q after decoding", typ, got)
		}
	}
}
