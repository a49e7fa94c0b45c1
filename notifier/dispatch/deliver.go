package dispatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/notifier"
)

// deliver walks the subject's chain until one channel accepts the message,
// then records the outcome. An error leaves the subject pending.
func (d *Dispatcher) deliver(work context.Context, job store.PendingDelivery) error {
	inc, s := job.Incident, job.Subject
	if !inc.Decision.NotifySubjects {
		return nil // the duty was lifted after the job was queued
	}
	log := d.log.With(zap.String("incident", inc.ID), zap.String("subject", s.ID))
	done := map[string]store.Attempt{}
	for _, a := range job.Attempts {
		done[a.Channel] = a
	}
	for _, ch := range s.Chain() {
		status, err := d.try(work, log, job, ch, done)
		if err != nil {
			return err
		}
		switch status {
		case sentAndRecorded:
			d.observe(inc.ID, incident.OutcomeSent, ch)
			return nil
		case incident.AttemptSent:
			return d.finish(work, inc.ID, s.ID, incident.OutcomeSent, ch)
		case incident.AttemptClaimed: // a crashed send: never resent
			return d.finish(work, inc.ID, s.ID, incident.OutcomeUncertain, ch)
		case claimResolvedHere: // ResolveStaleClaims recorded the outcome
			d.observe(inc.ID, incident.OutcomeUncertain, ch)
			return nil
		}
	}
	return d.finish(work, inc.ID, s.ID, incident.OutcomeUnreachable, "")
}

// sentAndRecorded is try's status for a send it made and recorded together
// with the person's outcome (store.FinishDelivery).
const sentAndRecorded = "sent, outcome recorded"

// try runs one channel and returns the attempt's final status.
func (d *Dispatcher) try(work context.Context, log *zap.Logger, job store.PendingDelivery, ch string, done map[string]store.Attempt) (string, error) {
	if a, ok := done[ch]; ok {
		return d.settled(work, a) // the ledger already holds this channel
	}
	n, ok := d.channels[ch]
	if !ok {
		return incident.AttemptNoAddress, nil
	}
	a := store.Attempt{IncidentID: job.Incident.ID, SubjectID: job.Subject.ID, Channel: ch, ClaimedAt: d.cfg.Now().UTC()}
	to, reason, err := d.contacts(work, job.Subject, ch)
	if err != nil {
		return "", err
	}
	if len(to) == 0 {
		a.Status, a.Error = incident.AttemptNoAddress, "no contact for channel"
		return d.record(work, log, a, false)
	}
	if reason != "" {
		a.Status, a.Error = incident.AttemptFailed, reason
		return d.record(work, log, a, false)
	}
	r, err := d.render(ch, job.Incident, job.Subject)
	if err != nil {
		log.Error("render notice", zap.String("channel", ch), zap.Error(err))
		a.Status, a.Error = incident.AttemptFailed, "render: "+err.Error()
		return d.record(work, log, a, false)
	}
	a.TemplateID, a.Locale, a.ContentHash = r.TemplateID, r.Locale, contentHash(r.Message)
	claimed, err := d.store.ClaimAttempt(work, a)
	if err != nil {
		return "", fmt.Errorf("claim %s attempt: %w", ch, err)
	}
	if !claimed {
		return d.existing(work, a)
	}
	delivery := notifier.Delivery{IncidentID: a.IncidentID, SubjectID: a.SubjectID, Channel: ch,
		To: to, Locale: r.Locale, TemplateID: r.TemplateID, Message: r.Message}
	receipt, tries, err := d.send(work, log, n, delivery)
	d.retireTokens(work, log, receipt.Unregistered)
	a.Tries, a.Provider, a.ProviderID = tries, receipt.Provider, receipt.ProviderID
	a.Status = incident.AttemptSent
	if err != nil {
		a.Status, a.Error = incident.AttemptFailed, err.Error()
	}
	return d.record(work, log, a, true)
}

// existing handles a claim that lost: another worker or an earlier run holds
// the row, so its recorded status decides and nothing is sent.
func (d *Dispatcher) existing(ctx context.Context, a store.Attempt) (string, error) {
	rows, err := d.store.Attempts(ctx, a.IncidentID, a.SubjectID)
	if err != nil {
		return "", fmt.Errorf("read ledger: %w", err)
	}
	for _, r := range rows {
		if r.Channel == a.Channel {
			return d.settled(ctx, r)
		}
	}
	return "", fmt.Errorf("claim %s attempt: row neither inserted nor found", a.Channel)
}

// record writes a ledger row; claimed says the row exists already.
func (d *Dispatcher) record(ctx context.Context, log *zap.Logger, a store.Attempt, claimed bool) (string, error) {
	a.FinishedAt = d.cfg.Now().UTC()
	if !claimed {
		ok, err := d.store.ClaimAttempt(ctx, a)
		if err != nil {
			return "", fmt.Errorf("record %s attempt: %w", a.Channel, err)
		}
		if !ok {
			return d.existing(ctx, a)
		}
	}
	if claimed && a.Status == incident.AttemptSent {
		// The usual end: proof of the send and the person's outcome in one
		// write.
		if err := d.store.FinishDelivery(ctx, a, incident.OutcomeSent); err != nil {
			return "", fmt.Errorf("record %s delivery: %w", a.Channel, err)
		}
		return sentAndRecorded, nil
	}
	if err := d.store.FinishAttempt(ctx, a); err != nil {
		// The send happened (or was refused) but the proof is missing: the
		// claim stays, and after its lease the person counts as uncertain.
		return "", fmt.Errorf("record %s attempt: %w", a.Channel, err)
	}
	if a.Status == incident.AttemptFailed {
		log.Info("channel failed, falling back", zap.String("channel", a.Channel), zap.String("reason", a.Error))
	}
	return a.Status, nil
}

// finish records the person's final outcome. A duplicate job or a second
// worker may find it recorded already: it is then not counted again.
func (d *Dispatcher) finish(ctx context.Context, incidentID, subjectID, outcome, channel string) error {
	changed, err := d.store.FinalizeOutcome(ctx, incidentID, subjectID, outcome, channel)
	if err != nil {
		return fmt.Errorf("record outcome: %w", err)
	}
	if changed {
		d.observe(incidentID, outcome, channel)
	}
	return nil
}

func contentHash(m notifier.Message) string {
	h := sha256.New()
	for _, part := range []string{m.Subject, m.Title, m.Text, m.HTML, m.Link} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
