package incident

import "time"

// Severity bands (ENISA).
const (
	BandLow      = "low"
	BandMedium   = "medium"
	BandHigh     = "high"
	BandVeryHigh = "very_high"
)

// Risk levels under GDPR.
const (
	RiskUnlikely = "unlikely"
	RiskRisk     = "risk"
	RiskHigh     = "high"
)

// Exemptions from telling subjects individually (GDPR Art. 34(3)).
const (
	ExemptionNone                   = "none"
	ExemptionEncrypted              = "encrypted"
	ExemptionMitigated              = "mitigated"
	ExemptionDisproportionateEffort = "disproportionate_effort"
)

// Decision is the classifier's output: the shape `incidentctl classify` prints
// and the API shows (EVENTS.md). Fields may be added, never renamed.
type Decision struct {
	IncidentID       string       `json:"incident_id"`
	Severity         Severity     `json:"severity"`
	Risk             string       `json:"risk"`
	NotifyAuthority  bool         `json:"notify_authority"`
	NotifySubjects   bool         `json:"notify_subjects"`
	SubjectExemption string       `json:"subject_exemption"`
	PublicNotice     bool         `json:"public_notice"`
	Obligations      []Obligation `json:"obligations"`
	Review           *Review      `json:"review,omitempty"`
	Version          int          `json:"version,omitempty"`
	DecidedAt        *time.Time   `json:"decided_at,omitempty"`
	// Advisory is the Security Advisory rating of a vulnerability (CVSS),
	// kept apart from the breach severity above.
	Advisory *Advisory `json:"advisory,omitempty"`
	// Policy names the policy file the obligations come from (id and content hash).
	Policy string `json:"policy,omitempty"`
	// Changes lists what differs from the previous version, and ChangeReason
	// why, as the team gave it; both are empty on the first version.
	Changes      []Change `json:"changes,omitempty"`
	ChangeReason string   `json:"change_reason,omitempty"`
}

// Advisory is the CVSS base score and rating of a vulnerability.
type Advisory struct {
	CVE         string  `json:"cve,omitempty"`
	Vector      string  `json:"cvss_vector"`
	CVSSVersion string  `json:"cvss_version"` // "3.0" | "3.1" | "4.0"
	BaseScore   float64 `json:"base_score"`
	Rating      string  `json:"rating"` // none | low | medium | high | critical
}

// Change is one difference between two decision versions, values as JSON.
// Held marks a duty the classifier would have dropped (From -> To) but that
// was kept at From because the event gave no change_reason.
type Change struct {
	Field string `json:"field"` // e.g. "notify_subjects", "obligations[GDPR].required"
	From  string `json:"from"`
	To    string `json:"to"`
	Held  bool   `json:"held,omitempty"`
}

// Severity is the ENISA score SE = DPC x EI + CB with its reasons.
type Severity struct {
	Band      string   `json:"band"`
	Score     float64  `json:"score"`
	DPC       float64  `json:"dpc"`
	EI        float64  `json:"ei"`
	CB        float64  `json:"cb"`
	Rationale []string `json:"rationale"`
}

// Obligation is one regime's duty to tell an authority, with its deadline.
type Obligation struct {
	Regime    string     `json:"regime"`
	Authority string     `json:"authority"`
	Required  bool       `json:"required"`
	Reason    string     `json:"reason,omitempty"`
	Clock     string     `json:"clock"`
	Deadline  *time.Time `json:"deadline,omitempty"`
	Phases    []string   `json:"phases"`

	RuleID   string `json:"rule_id,omitempty"`  // the policy rule that produced it
	Citation string `json:"citation,omitempty"` // the article it rests on
	// ClockAt is the instant the clock counts from; Due says the deadline in
	// the law's words ("72 hours", "3 business days", "as soon as practicable").
	ClockAt  *time.Time    `json:"clock_at,omitempty"`
	Due      string        `json:"due,omitempty"`
	Schedule []PhaseDue    `json:"schedule,omitempty"`
	Subjects *SubjectsDuty `json:"subjects,omitempty"`
}

// PhaseDue is when one report phase is due. Deadline is empty for a phase
// that has no fixed time (on request, or counted from an event yet to come).
type PhaseDue struct {
	Phase    string     `json:"phase"`
	Clock    string     `json:"clock"` // a facts clock, "phase:<name>", "on_request" or "closed_at"
	Deadline *time.Time `json:"deadline,omitempty"`
	Due      string     `json:"due"`
}

// SubjectsDuty is a regime's duty to tell the people affected.
type SubjectsDuty struct {
	Required bool       `json:"required"`
	Citation string     `json:"citation,omitempty"`
	Reason   string     `json:"reason,omitempty"`
	Clock    string     `json:"clock,omitempty"`
	Deadline *time.Time `json:"deadline,omitempty"`
	Due      string     `json:"due,omitempty"`
}

// Review flags a decision a person must confirm, and why.
type Review struct {
	HumanReviewRequired bool     `json:"human_review_required"`
	Signals             []string `json:"signals,omitempty"`
}
