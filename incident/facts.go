// Package incident is Herald's domain: incidents, their facts, affected
// subjects, classification decisions, reports and notices. It does no I/O and
// imports nothing internal; every other package depends on it.
package incident

import "time"

// Kinds of incident (EVENTS.md).
const (
	KindPersonalDataBreach = "personal_data_breach"
	KindVulnerability      = "vulnerability"
	KindServiceIncident    = "service_incident"
)

// Facts are what the response team knows about an incident: the data of an
// `opened` event, merged with every `updated` patch. A nil pointer or empty
// string means "unknown" and must be handled conservatively.
type Facts struct {
	IncidentID   string      `json:"incident_id"`
	Title        string      `json:"title,omitempty"`
	Summary      string      `json:"summary,omitempty"`
	Kind         string      `json:"kind,omitempty"`
	Controller   *Controller `json:"controller,omitempty"`
	OccurredFrom *time.Time  `json:"occurred_from,omitempty"`
	OccurredTo   *time.Time  `json:"occurred_to,omitempty"`
	DetectedAt   *time.Time  `json:"detected_at,omitempty"`
	AwareAt      *time.Time  `json:"aware_at,omitempty"`
	// AssessedAt is when the controller determined the breach notifiable,
	// the clock some regimes count from (Singapore PDPA, Texas).
	AssessedAt    *time.Time     `json:"assessed_at,omitempty"`
	ContainedAt   *time.Time     `json:"contained_at,omitempty"`
	Breach        *Breach        `json:"breach,omitempty"`
	Data          *DataInfo      `json:"data,omitempty"`
	Scope         *Scope         `json:"scope,omitempty"`
	Impact        *Impact        `json:"impact,omitempty"`
	Vulnerability *Vulnerability `json:"vulnerability,omitempty"`
	Entity        *Entity        `json:"entity,omitempty"`
	Measures      *Measures      `json:"measures,omitempty"`
	// IndicatorsOfCompromise are what the authorities may look for
	// elsewhere (addresses, hashes, domains): NIS2 Art. 23(4)(b) asks for
	// them where available. They name no affected person.
	IndicatorsOfCompromise []string `json:"indicators_of_compromise,omitempty"`
	Advice                 []string `json:"advice,omitempty"`
	Remediation            []string `json:"remediation,omitempty"`
	Contact                *Contact `json:"contact,omitempty"`
	// NoticeRequested: the response team decided to publish a public
	// notice (`incidentctl notice publish`), whatever the rules say. A
	// plain bool: unset and false both mean "not asked".
	NoticeRequested bool `json:"notice_requested,omitempty"`

	// Set by a `closed` event.
	RootCause     string     `json:"root_cause,omitempty"`
	FinalMeasures []string   `json:"final_measures,omitempty"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
}

// Controller is the organisation responsible for the data.
type Controller struct {
	Name          string `json:"name,omitempty"`
	ContactPoint  string `json:"contact_point,omitempty"`
	Establishment string `json:"establishment,omitempty"`
}

// Breach describes what happened to the data (confidentiality, integrity,
// availability) and how.
type Breach struct {
	Confidentiality   string   `json:"confidentiality,omitempty"` // none | exposed_no_evidence | known_recipients | unknown_recipients
	Exfiltration      string   `json:"exfiltration,omitempty"`    // none | ruled_out | suspected | confirmed
	Integrity         string   `json:"integrity,omitempty"`       // none | altered_no_misuse | altered_recoverable | altered_unrecoverable
	Availability      string   `json:"availability,omitempty"`    // none | restored_quickly | temporary | permanent
	RestoreHours      *float64 `json:"restore_hours,omitempty"`
	Malicious         *bool    `json:"malicious,omitempty"`
	Actor             string   `json:"actor,omitempty"` // external | insider | accidental | unknown
	RecipientTrusted  *bool    `json:"recipient_trusted,omitempty"`
	DeletionConfirmed *bool    `json:"deletion_confirmed,omitempty"`
}

// DataInfo describes the personal data involved.
type DataInfo struct {
	Categories         []string        `json:"categories,omitempty"`
	DPCAdjustments     []DPCAdjustment `json:"dpc_adjustments,omitempty"`
	Identifiability    string          `json:"identifiability,omitempty"` // negligible | limited | significant | maximum
	Protection         *Protection     `json:"protection,omitempty"`
	VulnerableSubjects *bool           `json:"vulnerable_subjects,omitempty"`
}

// DPCAdjustment raises or lowers the ENISA data processing context score.
type DPCAdjustment struct {
	Delta  float64 `json:"delta"`
	Reason string  `json:"reason"`
}

// Protection says whether the data were unintelligible to whoever got them.
type Protection struct {
	Encrypted       *bool `json:"encrypted,omitempty"`
	StateOfTheArt   *bool `json:"state_of_the_art,omitempty"`
	KeyCompromised  *bool `json:"key_compromised,omitempty"`
	HashedSalted    *bool `json:"hashed_salted,omitempty"`
	BackupAvailable *bool `json:"backup_available,omitempty"`
}

// Scope is how many people and records are affected, and where.
type Scope struct {
	SubjectsEstimate *int           `json:"subjects_estimate,omitempty"`
	RecordsEstimate  *int           `json:"records_estimate,omitempty"`
	Jurisdictions    map[string]int `json:"jurisdictions,omitempty"`
}

// Impact is the effect on services, money and people.
type Impact struct {
	ServiceDisruptionHours float64 `json:"service_disruption_hours,omitempty"`
	FinancialLossEUR       float64 `json:"financial_loss_eur,omitempty"`
	FraudObserved          *bool   `json:"fraud_observed,omitempty"`
	CrossBorder            *bool   `json:"cross_border,omitempty"`
}

// Vulnerability identifies a flaw for kind "vulnerability".
type Vulnerability struct {
	CVE        string `json:"cve,omitempty"`
	CVSSVector string `json:"cvss_vector,omitempty"`
}

// Entity says how the organisation is classed under NIS2.
type Entity struct {
	NIS2  string `json:"nis2,omitempty"`  // essential | important | none
	HIPAA string `json:"hipaa,omitempty"` // covered_entity | business_associate | none
}

// Measures taken and planned by the controller.
type Measures struct {
	Taken   []string `json:"taken,omitempty"`
	Planned []string `json:"planned,omitempty"`
}

// Contact says whether reaching people one by one is practical.
type Contact struct {
	IndividualContactPractical *bool `json:"individual_contact_practical,omitempty"`
}

// Bool reads an optional fact: known reports whether it was given.
func Bool(p *bool) (value, known bool) {
	if p == nil {
		return false, false
	}
	return *p, true
}
