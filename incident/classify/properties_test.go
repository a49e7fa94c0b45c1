package classify

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/herald-notify/herald/incident"
)

// weight is what a change to the facts may move: the score, the risk and the
// duties (telling the authority, telling the people one way or another, the
// regimes that require a report, and those that require telling people).
type weight struct {
	score     float64
	risk      int
	authority bool
	subjects  bool
	required  int
	toPeople  int
}

func weigh(d incident.Decision) weight {
	w := weight{
		score:     d.Severity.Score,
		risk:      slices.Index(riskNames[:], d.Risk),
		authority: d.NotifyAuthority,
		subjects:  d.NotifySubjects || d.PublicNotice,
	}
	for _, o := range d.Obligations {
		if o.Required {
			w.required++
		}
		if o.Subjects != nil && o.Subjects.Required {
			w.toPeople++
		}
	}
	return w
}

// atMost reports whether w is nowhere above o.
func (w weight) atMost(o weight) bool {
	return w.score <= o.score && w.risk <= o.risk && (!w.authority || o.authority) &&
		(!w.subjects || o.subjects) && w.required <= o.required && w.toPeople <= o.toPeople
}

// adjustments the sample draws from: none, the team lowering the context
// (content revealing less than its category) or raising it.
var adjustments = [][]incident.DPCAdjustment{
	nil, nil, {{Delta: -3, Reason: "reveals little"}}, {{Delta: -1, Reason: "outdated"}}, {{Delta: 1, Reason: "a year of history"}},
}

// sampleFacts draws a fixed, reproducible sample of fully stated facts across
// the values that drive the decision, plus the calibration cases.
func sampleFacts(t *testing.T, size int) []incident.Facts {
	r := rand.New(rand.NewPCG(2026, 3))
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	catSets := [][]string{
		{"identity"}, {"identity", "contact"}, {"identity", "demographic"}, {"credentials"},
		{"identity", "credentials"}, {"location"}, {"financial"}, {"health"}, {"identity", "children"},
	}
	out := make([]incident.Facts, 0, size+8)
	for range size {
		out = append(out, with(func(f *incident.Facts) {
			b, d := f.Breach, f.Data
			b.Confidentiality = pick(none, exposedNoEvidence, knownRecipients, unknownRecipients)
			b.Exfiltration = pick(ruledOut, none, suspected, confirmed)
			b.Integrity = pick(none, alteredNoMisuse, alteredRecover, alteredLost)
			b.Availability = pick(none, restoredQuickly, temporary, permanent)
			b.Actor = pick("external", actorInsider, actorAccidental)
			b.Malicious = ptr(r.IntN(2) == 0)
			b.RestoreHours = ptr(float64(r.IntN(3) * 4))
			b.RecipientTrusted, b.DeletionConfirmed = ptr(r.IntN(2) == 0), ptr(r.IntN(2) == 0)
			d.Categories = slices.Clone(catSets[r.IntN(len(catSets))])
			d.Identifiability = pick("negligible", "limited", "significant", "maximum")
			d.VulnerableSubjects = ptr(r.IntN(4) == 0)
			d.Protection.HashedSalted, d.Protection.StateOfTheArt = ptr(r.IntN(2) == 0), ptr(r.IntN(2) == 0)
			d.DPCAdjustments = adjustments[r.IntN(len(adjustments))]
			f.Scope.SubjectsEstimate = ptr([]int{10, 500, 50000}[r.IntN(3)])
			f.Impact.ServiceDisruptionHours = float64(r.IntN(3) * 3)
			f.Entity.NIS2 = pick("none", "essential", "important")
			f.Contact.IndividualContactPractical = ptr(r.IntN(3) != 0)
		}))
	}
	if calibrationPresent() {
		for _, c := range loadCalibration(t) {
			out = append(out, c.facts)
		}
	}
	return out
}

type mutation struct {
	name  string
	apply func(*incident.Facts) bool // false when it does not apply to these facts
}

// raising lists changes that make things worse for the people concerned.
func raising() []mutation {
	muts := []mutation{
		{"malicious", func(f *incident.Facts) bool {
			if m, _ := incident.Bool(f.Breach.Malicious); m {
				return false
			}
			f.Breach.Malicious = ptr(true)
			return true
		}},
	}
	for _, to := range []string{suspected, confirmed} {
		muts = append(muts, mutation{"exfiltration " + to, func(f *incident.Facts) bool {
			from := f.Breach.Exfiltration
			if from == to || from == confirmed {
				return false
			}
			f.Breach.Exfiltration = to
			return true
		}})
	}
	for _, c := range categories {
		muts = append(muts, mutation{"add " + c.name, func(f *incident.Facts) bool {
			if slices.Contains(f.Data.Categories, c.name) {
				return false
			}
			f.Data.Categories = append(f.Data.Categories, c.name)
			return true
		}})
		if c.dpc == 1 {
			continue // nothing is less sensitive than simple data
		}
		muts = append(muts, mutation{"first category to " + c.name, func(f *incident.Facts) bool {
			old := categoryOf(f.Data.Categories[0])
			if old == nil || old.dpc >= c.dpc || slices.Contains(f.Data.Categories, c.name) {
				return false
			}
			// Swapping data for hashed credentials swaps them for
			// unintelligible data: less for anyone to misuse.
			if hashed, _ := incident.Bool(f.Data.Protection.HashedSalted); hashed && c.name == "credentials" {
				return false
			}
			f.Data.Categories[0] = c.name
			return true
		}})
	}
	return muts
}

func TestWorseFactsNeverLowerTheDecision(t *testing.T) {
	muts := raising()
	checked := map[string]int{}
	for _, base := range sampleFacts(t, 3000) {
		before := weigh(Classify(base))
		for _, m := range muts {
			f := clone(base)
			if !m.apply(&f) {
				continue
			}
			checked[m.name]++
			if d := Classify(f); !before.atMost(weigh(d)) {
				t.Fatalf("%s lowered the decision: %+v -> %+v\nbefore %q\nafter %q", m.name, before, weigh(d),
					Classify(base).Severity.Rationale, d.Severity.Rationale)
			}
		}
	}
	for _, m := range muts {
		if checked[m.name] == 0 {
			t.Errorf("mutation %q never applied: the sample misses it", m.name)
		}
	}
}

// unintelligible lists the ways data are made unintelligible to whoever got
// them: state-of-the-art encryption with a safe key, or salted
// state-of-the-art hashes.
var unintelligible = []mutation{
	{"encrypted", func(f *incident.Facts) bool {
		p := f.Data.Protection
		p.Encrypted, p.StateOfTheArt, p.KeyCompromised = ptr(true), ptr(true), ptr(false)
		return true
	}},
	{"hashed", func(f *incident.Facts) bool {
		p := f.Data.Protection
		p.HashedSalted, p.StateOfTheArt = ptr(true), ptr(true)
		return true
	}},
}

func TestUnintelligibleDataNeverRaiseTheDecision(t *testing.T) {
	for _, base := range sampleFacts(t, 3000) {
		before := weigh(Classify(base))
		for _, m := range unintelligible {
			f := clone(base)
			m.apply(&f)
			d := Classify(f)
			if after := weigh(d); !after.atMost(before) {
				t.Fatalf("%s raised the decision: %+v -> %+v\nbefore %q\nafter %q", m.name, before, after,
					Classify(base).Severity.Rationale, d.Severity.Rationale)
			}
			if m.name == "encrypted" && hasLine(d.Severity.Rationale, "confidentiality high") {
				t.Fatalf("unintelligible data still a high confidentiality risk: %q", d.Severity.Rationale)
			}
		}
	}
}
