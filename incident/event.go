package incident

import (
	"encoding/json"
	"time"
)

// Event types (EVENTS.md).
const (
	TypeOpened   = "security.incident.opened"
	TypeUpdated  = "security.incident.updated"
	TypeSubjects = "security.incident.subjects"
	TypeClosed   = "security.incident.closed"
)

// Event is a decoded, validated CloudEvents 1.0 envelope.
type Event struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Source          string          `json:"source"`
	Type            string          `json:"type"`
	Time            *time.Time      `json:"time,omitempty"`
	Subject         string          `json:"subject,omitempty"`
	DataContentType string          `json:"datacontenttype,omitempty"`
	Data            json.RawMessage `json:"data"`
}

// SubjectsBatch is the data of a `subjects` event.
type SubjectsBatch struct {
	IncidentID string    `json:"incident_id"`
	Subjects   []Subject `json:"subjects"`
}

// Closure is the data of a `closed` event.
type Closure struct {
	IncidentID    string     `json:"incident_id"`
	RootCause     string     `json:"root_cause,omitempty"`
	FinalMeasures []string   `json:"final_measures,omitempty"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
}
