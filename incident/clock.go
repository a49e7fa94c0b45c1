package incident

import "time"

// Clock states, in the order a phase's clock moves through them.
const (
	ClockWaiting   = "waiting"    // no fixed deadline yet: counted from a later phase, the closure or a request
	ClockRunning   = "running"    // less than half the time used
	ClockWarning50 = "warning_50" // half the time used, phase not sent
	ClockWarning80 = "warning_80" // four fifths of the time used, phase not sent
	ClockLate      = "late"       // deadline passed, phase not sent
	ClockSent      = "sent"       // a report for the phase exists (SentLate says if after the deadline)
)

// Clock is the deadline of one report phase of one required obligation,
// as it stands at a given instant. Fields may be added, never renamed.
type Clock struct {
	Regime    string     `json:"regime"`
	Authority string     `json:"authority"`
	Phase     string     `json:"phase"`
	State     string     `json:"state"`
	Due       string     `json:"due,omitempty"` // the deadline in the law's words
	StartedAt *time.Time `json:"started_at,omitempty"`
	Deadline  *time.Time `json:"deadline,omitempty"`
	// SecondsLeft is the time until Deadline at the instant computed;
	// negative once it has passed. Zero without a deadline or once sent.
	SecondsLeft int64 `json:"seconds_left"`
	// Elapsed is the fraction of the time from StartedAt to Deadline used,
	// from 0 to 1 (0 once sent).
	Elapsed       float64    `json:"elapsed"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
	SentLate      bool       `json:"sent_late,omitempty"`
	ReportVersion int        `json:"report_version,omitempty"`
}
