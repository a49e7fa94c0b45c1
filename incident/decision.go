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
}

// Review flags a decision a person must confirm, and why.
type Review struct {
	HumanReviewRequired bool     `json:"human_review_required"`
	Signals             []string `json:"signals,omitempty"`
}
