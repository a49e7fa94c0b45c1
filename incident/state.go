package incident

import "time"

// Incident statuses.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Incident is the stored state of one incident.
type Incident struct {
	ID        string    `json:"incident_id"`
	Status    string    `json:"status"`
	Facts     Facts     `json:"facts"`
	Decision  Decision  `json:"decision"`
	OpenedAt  time.Time `json:"opened_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Population counts the subjects stored for an incident, in total and by
// their own jurisdiction, so regimes engage on the people actually affected
// and not only on the team's estimate.
type Population struct {
	Subjects      int            `json:"subjects"`
	Jurisdictions map[string]int `json:"jurisdictions,omitempty"`
}

// Subject delivery outcomes, one per (incident, subject).
const (
	OutcomePending     = "pending"     // not yet attempted, or retrying
	OutcomeSent        = "sent"        // accepted by a provider (or written to the outbox)
	OutcomeUnreachable = "unreachable" // every channel in the chain failed or was missing
	OutcomeUncertain   = "uncertain"   // a send was claimed but never confirmed (crash); not resent
)

// Delivery attempt statuses, one row per (incident, subject, channel).
const (
	AttemptClaimed   = "claimed"
	AttemptSent      = "sent"
	AttemptFailed    = "failed"     // permanent failure on this channel
	AttemptNoAddress = "no_address" // the subject has no contact for this channel
)

// Progress counts what happened to the subjects of one incident.
type Progress struct {
	Subjects    int                        `json:"subjects"`
	Sent        int                        `json:"sent"`
	Failed      int                        `json:"failed"` // permanent channel failures (a subject may fall back and still be sent)
	Unreachable int                        `json:"unreachable"`
	Uncertain   int                        `json:"uncertain"`
	Pending     int                        `json:"pending"`
	Queued      int                        `json:"queued"` // of the pending, those with a delivery job on the topic
	ByChannel   map[string]ChannelProgress `json:"by_channel"`
}

// ChannelProgress counts attempts on one channel.
type ChannelProgress struct {
	Queued    int `json:"queued"`    // handed to the provider, result not yet recorded (claimed, not given up as stale)
	Sent      int `json:"sent"`      // accepted by the provider
	Delivered int `json:"delivered"` // of those sent, confirmed delivered by the provider's receipt
	Failed    int `json:"failed"`    // permanent failures on this channel
	// Unreachable counts the people who could not be reached and for whom
	// this was the last channel tried (the last one with a contact). People
	// with no contact on any channel count in Progress.Unreachable only.
	Unreachable int `json:"unreachable"`
}

// Report phases.
const (
	PhaseInitial  = "initial"
	PhaseFollowUp = "follow_up"
	PhaseFinal    = "final"
)

// Report is one immutable regulator status report.
type Report struct {
	IncidentID  string         `json:"incident_id"`
	Regime      string         `json:"regime"`
	Authority   string         `json:"authority"`
	Phase       string         `json:"phase"`
	Version     int            `json:"version"`
	GeneratedAt time.Time      `json:"generated_at"`
	Deadline    *time.Time     `json:"deadline,omitempty"`
	Late        bool           `json:"late"`
	Fields      map[string]any `json:"fields"`
	ContentHash string         `json:"content_hash"`
	// DeliveredTo sums up how the report went out ("smtp", "outbox",
	// "webhook", "read over the API", "not configured", "failed: ...", or
	// "id: ...; id: ..." for several authorities); never an address. The
	// rows are ReportDelivery.
	DeliveredTo string `json:"delivered_via,omitempty"`
}

// Notice is a public Security Notice for one incident. It carries no
// personal data of anyone.
type Notice struct {
	IncidentID  string    `json:"incident_id"`
	Revision    int       `json:"revision"`
	Reason      string    `json:"reason"`
	Title       string    `json:"title"`
	PublishedAt time.Time `json:"published_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Facts       Facts     `json:"facts"`
}

// Overview is everything known about one incident at a glance: its state
// and decision, how telling people is going, its public notice and its
// reports and their deadline clocks. It is the body of GET
// /api/v1/incidents/{id}, and what `incidentctl status` reads, so daemon
// and CLI share one shape.
type Overview struct {
	Incident  Incident `json:"incident"`
	Progress  Progress `json:"progress"`
	Notice    *Notice  `json:"notice"`
	NoticeURL string   `json:"notice_url,omitempty"`
	Reports   []Report `json:"reports"`
	// Clocks is every required report phase's deadline, computed when asked.
	Clocks []Clock `json:"clocks"`
	// ReportDeliveries is how each report version reached each authority.
	ReportDeliveries []ReportDelivery `json:"report_deliveries"`
}

// Report delivery statuses.
const (
	ReportDeliveryPending = "pending" // saved, not yet handed over (or the sender stopped mid-way)
	ReportDeliverySent    = "sent"    // accepted by the mail server, the outbox or the webhook
	ReportDeliveryFailed  = "failed"  // the last try failed; retried at NextAt
	ReportDeliveryGaveUp  = "gave_up" // failed permanently, or too many tries: the team must act
)

// ReportDelivery is how one report version reached one authority: one row
// per (incident, version, authority). It never holds an address or a URL.
type ReportDelivery struct {
	IncidentID  string `json:"incident_id"`
	Version     int    `json:"version"`
	AuthorityID string `json:"authority_id"` // the authorities file's id, or "default" (authority_email)
	Method      string `json:"method"`       // "email", "webhook"
	Status      string `json:"status"`
	Tries       int    `json:"tries"`
	Provider    string `json:"provider,omitempty"`  // "smtp", "outbox", "webhook"
	Reference   string `json:"reference,omitempty"` // the receiver's id for what was sent
	Error       string `json:"error,omitempty"`     // the last failure, classified, no address
	// NextAt is when a failed delivery is tried again.
	NextAt *time.Time `json:"next_attempt_at,omitempty"`
	SentAt *time.Time `json:"sent_at,omitempty"`
	// AcknowledgedAt and Acknowledgement record the authority's
	// acknowledgement: in the webhook's answer, or posted to the API later.
	AcknowledgedAt  *time.Time `json:"acknowledged_at,omitempty"`
	Acknowledgement string     `json:"acknowledgement,omitempty"`
	UpdatedAt       time.Time  `json:"updated_at"`
}
