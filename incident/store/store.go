// Package store defines what Herald keeps durably: incidents, applied event
// ids, subjects and their delivery ledger, decisions (audit log), reports and
// notices. Adapters live in subpackages (sqlite; postgres later).
package store

import (
	"context"
	"time"

	"github.com/herald-notify/herald/incident"
)

// Store is implemented by every adapter. Every method is safe for concurrent
// use. Errors for missing rows carry incident.CodeNotFound.
type Store interface {
	// EventApplied reports whether the CloudEvent id was already applied.
	EventApplied(ctx context.Context, eventID string) (bool, error)
	// ApplyEvent runs fn and records eventID as applied in one transaction:
	// either both happen or neither. If eventID was already applied, fn is not
	// run and applied is false.
	ApplyEvent(ctx context.Context, eventID, incidentID, eventType string, fn func(Tx) error) (applied bool, err error)

	GetIncident(ctx context.Context, id string) (incident.Incident, error)
	ListIncidents(ctx context.Context) ([]incident.Incident, error)
	// Decisions returns every decision version of an incident, oldest first.
	Decisions(ctx context.Context, incidentID string) ([]incident.Decision, error)

	// ToQueue returns up to limit subjects that need a delivery job: outcome
	// pending, not marked queued, and their incident's current decision has
	// notify_subjects = true; oldest first. The enqueuer emits a job for each
	// onto security.notifications, then calls MarkQueued.
	ToQueue(ctx context.Context, limit int) ([]DeliveryKey, error)
	// MarkQueued records that jobs for keys are on the notifications topic,
	// so ToQueue lists them no more. A crash before it only re-emits jobs,
	// which the ledger makes harmless. Unknown keys are ignored.
	MarkQueued(ctx context.Context, keys []DeliveryKey) error
	// Delivery returns what one delivery job needs: the incident, the
	// subject, the subject's current outcome and ledger rows. CodeNotFound
	// if the incident or the subject is missing. The incident may be shared
	// with other jobs: do not modify it.
	Delivery(ctx context.Context, key DeliveryKey) (PendingDelivery, error)
	// ClaimAttempt records that a send on (incident, subject, channel) is about
	// to happen. It returns false if that row already exists in any state,
	// so a second worker or a replay never sends twice.
	ClaimAttempt(ctx context.Context, a Attempt) (claimed bool, err error)
	// FinishAttempt records the result of a claimed attempt (Status sent,
	// failed or no_address, with provider id, error reason, attempts).
	FinishAttempt(ctx context.Context, a Attempt) error
	// FinishDelivery is FinishAttempt and SetOutcome(a's subject, outcome,
	// a.Channel) in one write: either both are recorded or neither.
	FinishDelivery(ctx context.Context, a Attempt, outcome string) error
	// Attempts lists the ledger rows of one subject, in claim order.
	Attempts(ctx context.Context, incidentID, subjectID string) ([]Attempt, error)
	// SetOutcome records the subject's final outcome (sent, unreachable,
	// uncertain) and the channel that reached them.
	SetOutcome(ctx context.Context, incidentID, subjectID, outcome, channel string) error
	// FinalizeOutcome records a final outcome (sent, unreachable, uncertain)
	// for a subject still pending, and reports whether it did: false,
	// changing nothing, when the subject's outcome was already final (a
	// second worker or a duplicate job got there first), so each person's
	// outcome is counted once.
	FinalizeOutcome(ctx context.Context, incidentID, subjectID, outcome, channel string) (changed bool, err error)
	// ResolveStaleClaims turns attempts left in "claimed" since before
	// claimedBefore (a crash between claim and result: no live sender holds
	// a claim that long, see dispatch.Config.ClaimLease) into resolved
	// claims (status stays claimed as evidence, Error says why), and their
	// pending subjects' outcome into "uncertain"; it returns how many.
	// Herald never resends such a claim blindly.
	ResolveStaleClaims(ctx context.Context, claimedBefore time.Time) (int, error)
	// AttemptByProviderID finds the ledger row a provider's delivery receipt
	// refers to. CodeNotFound if none.
	AttemptByProviderID(ctx context.Context, provider, providerID string) (Attempt, error)
	// FailLate records that a send the provider had accepted was later
	// reported failed (Twilio "undelivered"/"failed", an SMTP bounce): the
	// attempt becomes failed with reason, and if the subject's outcome is
	// sent on that channel it goes back to pending and unqueued, so a new job
	// tries the next channel. It returns false, changing nothing, when the
	// attempt is not in status sent (a repeated receipt).
	FailLate(ctx context.Context, a Attempt, reason string) (reopened bool, err error)
	// MarkDelivered records that the provider confirmed a sent attempt
	// reached the person (Twilio "delivered", a receipt with status
	// "delivered"): the attempt keeps status sent and gains its delivery
	// time, counted in Progress as delivered. It returns false, changing
	// nothing, when the attempt is not sent or is already marked.
	// CodeNotFound if there is no such attempt. A zero at means now.
	MarkDelivered(ctx context.Context, a Attempt, at time.Time) (bool, error)
	// RetireTokens records push tokens FCM reported unregistered. Only a
	// hash of each token is kept.
	RetireTokens(ctx context.Context, tokens []string) error
	// LiveTokens returns tokens without the retired ones, in order.
	LiveTokens(ctx context.Context, tokens []string) ([]string, error)
	// Progress counts subject outcomes and attempts per channel.
	Progress(ctx context.Context, incidentID string) (incident.Progress, error)
	// Lease takes or renews the named lease for owner until now+ttl. It
	// returns false when another owner holds it and it has not expired, so
	// that of several processes sharing the store one does the named job.
	Lease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	// CountOutcome counts the incident's subjects with one outcome. It is
	// meant for rare outcomes (unreachable, uncertain), which it counts
	// without reading the other subjects: the notice decision asks after
	// every event, and a million pending people must not be scanned each
	// time.
	CountOutcome(ctx context.Context, incidentID, outcome string) (int, error)
	// Population counts the incident's subjects, in total and by their own
	// jurisdiction (see Tx.Population).
	Population(ctx context.Context, incidentID string) (incident.Population, error)

	SaveReport(ctx context.Context, r incident.Report) (incident.Report, error) // assigns Version
	ListReports(ctx context.Context, incidentID string) ([]incident.Report, error)
	// SetReportDelivery records how a saved report was delivered ("smtp",
	// "outbox", "failed: ..."): a report is saved before it is sent, so that
	// what is sent carries its version. Only delivered_via changes; the
	// content and its hash stay as saved. CodeNotFound for an unknown report.
	SetReportDelivery(ctx context.Context, incidentID string, version int, via string) error

	// SaveReportDelivery inserts or replaces the delivery row of
	// (IncidentID, Version, AuthorityID), setting UpdatedAt. CodeNotFound if
	// the report is missing. An acknowledgement already recorded is kept
	// (when d carries none, and when d carries another: the first stays).
	// A failed row needs NextAt (else it would never be due again), an
	// Acknowledgement needs AcknowledgedAt: CodeInvalid otherwise.
	SaveReportDelivery(ctx context.Context, d incident.ReportDelivery) error
	// ReportDeliveries lists an incident's delivery rows by version, then
	// authority id; empty (not an error) when there are none, CodeNotFound
	// if the incident is missing.
	ReportDeliveries(ctx context.Context, incidentID string) ([]incident.ReportDelivery, error)
	// DueReportDeliveries lists, across incidents, up to limit rows that
	// need a (re)try: failed with NextAt at or before now, and pending with
	// UpdatedAt before stalledBefore (a sender stopped mid-way). Oldest
	// first, by when each became due: NextAt, or UpdatedAt for a stalled
	// one.
	DueReportDeliveries(ctx context.Context, now, stalledBefore time.Time, limit int) ([]incident.ReportDelivery, error)
	// AcknowledgeReport records an authority's acknowledgement of a report
	// version it was sent, and returns the row. The first acknowledgement
	// stays: a repeat returns the row unchanged. CodeNotFound if that
	// authority has no delivery row for that version. A zero at means now.
	// UpdatedAt stays the sender's last write (the stalled check reads it).
	AcknowledgeReport(ctx context.Context, incidentID string, version int, authorityID, reference string, at time.Time) (incident.ReportDelivery, error)

	// MarkClockWarning records that the response team was warned that an
	// incident's report phase (regime, phase) reached level (a clock state:
	// warning_50, warning_80, late), and reports whether this was the first
	// such mark: the warning goes out once, across restarts and processes
	// sharing the store. CodeNotFound if the incident is missing.
	MarkClockWarning(ctx context.Context, incidentID, regime, phase, level string) (first bool, err error)

	SaveNotice(ctx context.Context, n incident.Notice) (incident.Notice, error) // assigns Revision
	GetNotice(ctx context.Context, incidentID string) (incident.Notice, error)  // latest revision
	ListNotices(ctx context.Context) ([]incident.Notice, error)                 // latest revision of each
	// NoticeRevisions returns every revision of an incident's notice, oldest
	// first: the page's history, the feed's entries, the CSAF revision
	// history. CodeNotFound if there is none.
	NoticeRevisions(ctx context.Context, incidentID string) ([]incident.Notice, error)

	Close() error
}

// Tx is the part of the store an event may change, inside ApplyEvent.
type Tx interface {
	GetIncident(id string) (incident.Incident, error)
	// PutIncident inserts or replaces the incident.
	PutIncident(inc incident.Incident) error
	// AppendDecision stores a new decision version (audit log) and returns it
	// with Version set; the incident's current decision should then be updated
	// with PutIncident.
	AppendDecision(d incident.Decision) (incident.Decision, error)
	// AddSubjects inserts subjects with outcome pending; ids already present
	// for the incident are left as they are. It returns how many were new.
	// Only new subjects count towards the incident's Population.
	AddSubjects(incidentID string, subjects []incident.Subject) (int, error)
	// Population counts the incident's stored subjects in total and by
	// jurisdiction, upper-cased and trimmed; a subject without one counts in
	// the total only. Adapters keep the counts as subjects are added: reading
	// them never scans the subjects.
	Population(incidentID string) (incident.Population, error)
}

// PendingDelivery is a subject waiting to be told, with what is needed to
// render and send its notice.
type PendingDelivery struct {
	Incident incident.Incident
	Subject  incident.Subject
	Outcome  string    // the subject's outcome now (incident.Outcome*); set by Delivery
	Attempts []Attempt // the subject's ledger rows in claim order; set by Delivery
}

// DeliveryKey names one person's delivery for one incident: a delivery
// job's identity.
type DeliveryKey struct {
	IncidentID string `json:"incident_id"`
	SubjectID  string `json:"subject_id"`
}

// Attempt is one ledger row: proof of one try on one channel.
type Attempt struct {
	IncidentID  string    `json:"incident_id"`
	SubjectID   string    `json:"subject_id"`
	Channel     string    `json:"channel"`
	Status      string    `json:"status"` // incident.Attempt*
	ProviderID  string    `json:"provider_id,omitempty"`
	Provider    string    `json:"provider,omitempty"` // "smtp", "twilio", "fcm", "outbox"
	TemplateID  string    `json:"template_id,omitempty"`
	Locale      string    `json:"locale,omitempty"`
	ContentHash string    `json:"content_hash,omitempty"`
	Tries       int       `json:"tries"`
	Error       string    `json:"error,omitempty"` // classified reason, never a contact detail
	ClaimedAt   time.Time `json:"claimed_at"`
	FinishedAt  time.Time `json:"finished_at,omitempty"`
}
