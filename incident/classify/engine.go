package classify

import (
	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/policy"
)

// Engine classifies incidents under one policy. It is safe for concurrent
// use: it holds only the policy, which it never changes.
type Engine struct {
	policy *policy.Policy
}

// New returns an engine for p; nil means the default policy.
func New(p *policy.Policy) *Engine {
	if p == nil {
		p = policy.Default()
	}
	return &Engine{policy: p}
}

// std is the engine Classify uses.
var std = New(nil)

// Standard returns the engine Classify uses: the default policy.
func Standard() *Engine { return std }

// Classify decides under the default policy, from the facts alone.
func Classify(f incident.Facts) incident.Decision {
	return std.Decide(f, incident.Population{})
}

// Policy returns the policy the engine applies.
func (e *Engine) Policy() *policy.Policy { return e.policy }

// Decide decides what an incident means and who must be told. seen counts
// the subjects stored so far, so that a regime engages on the people
// actually affected as well as on the team's estimate in the facts.
func (e *Engine) Decide(f incident.Facts, seen incident.Population) incident.Decision {
	d := decide(f, e.policy, seen)
	d.Policy = e.policy.Ref()
	return d
}

// settleDuties lifts the duties other regimes impose into the decision's
// headline flags: a required report anywhere means telling an authority,
// and a regime's duty to tell people means telling them, unless contacting
// them one by one is impractical (then the public notice stands instead).
func settleDuties(d *incident.Decision) {
	for _, o := range d.Obligations {
		if o.Required {
			d.NotifyAuthority = true
		}
		if o.Subjects != nil && o.Subjects.Required && d.SubjectExemption != incident.ExemptionDisproportionateEffort {
			d.NotifySubjects = true
		}
	}
}
