package dispatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/notifier"
)

// deliver walks the subject's chain until one channel accepts the message.
// ctx is not cancelled by shutdown: a started chain finishes its bounded
// retries, so only a crash can leave a claim unrecorded.
func (d *Dispatcher) deliver(work context.Context, job store.PendingDelivery) {
	inc, s := job.Incident, job.Subject
	log := d.log.With(zap.String("incident", inc.ID), zap.String("subject", s.ID))
	prior, err := d.store.Attempts(work, inc.ID, s.ID)
	if err != nil {
		log.Warn("read ledger", zap.Error(err))
		return
	}
	done := map[string]store.Attempt{}
	for _, a := range prior {
		done[a.Channel] = a
	}
	for _, ch := range s.Chain() {
		status := d.try(work, log, job, ch, done)
		switch status {
		case incident.AttemptSent:
			d.finish(work, log, inc.ID, s.ID, incident.OutcomeSent, ch)
			return
		case incident.AttemptClaimed: // claimed elsewhere and unconfirmed
			d.finish(work, log, inc.ID, s.ID, incident.OutcomeUncertain, ch)
			return
		case "": // the store failed: leave pending, retried on the next pass
			return
		}
	}
	d.finish(work, log, inc.ID, s.ID, incident.OutcomeUnreachable, "")
}

// try runs one channel and returns the attempt's final status.
func (d *Dispatcher) try(work context.Context, log *zap.Logger, job store.PendingDelivery, ch string, done map[string]store.Attempt) string {
	if a, ok := done[ch]; ok {
		return a.Status // the ledger already holds this channel's result
	}
	n, ok := d.channels[ch]
	if !ok {
		return incident.AttemptNoAddress
	}
	a := store.Attempt{IncidentID: job.Incident.ID, SubjectID: job.Subject.ID, Channel: ch, ClaimedAt: time.Now().UTC()}
	to := recipients(job.Subject, ch)
	if len(to) == 0 {
		a.Status, a.Error = incident.AttemptNoAddress, "no contact for channel"
		return d.record(work, log, a, false)
	}
	if reason := checkContact(ch, to); reason != "" {
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
	if err != nil || !claimed {
		return d.existing(work, log, a, err)
	}
	delivery := notifier.Delivery{IncidentID: a.IncidentID, SubjectID: a.SubjectID, Channel: ch,
		To: to, Locale: r.Locale, TemplateID: r.TemplateID, Message: r.Message}
	receipt, tries, err := d.send(work, log, n, delivery)
	a.Tries, a.Provider, a.ProviderID = tries, receipt.Provider, receipt.ProviderID
	a.Status = incident.AttemptSent
	if err != nil {
		a.Status, a.Error = incident.AttemptFailed, err.Error()
	}
	return d.record(work, log, a, true)
}

// existing handles a claim that lost: another worker or an earlier run holds
// the row, so its recorded status decides and nothing is sent.
func (d *Dispatcher) existing(ctx context.Context, log *zap.Logger, a store.Attempt, err error) string {
	if err != nil {
		log.Warn("claim attempt", zap.String("channel", a.Channel), zap.Error(err))
		return ""
	}
	rows, err := d.store.Attempts(ctx, a.IncidentID, a.SubjectID)
	if err != nil {
		return ""
	}
	for _, r := range rows {
		if r.Channel == a.Channel {
			return r.Status
		}
	}
	return ""
}

// record writes a ledger row; claimed says the row exists already.
func (d *Dispatcher) record(ctx context.Context, log *zap.Logger, a store.Attempt, claimed bool) string {
	a.FinishedAt = time.Now().UTC()
	if !claimed {
		if ok, err := d.store.ClaimAttempt(ctx, a); err != nil || !ok {
			return d.existing(ctx, log, a, err)
		}
	}
	if err := d.store.FinishAttempt(ctx, a); err != nil {
		log.Error("record attempt", zap.String("channel", a.Channel), zap.Error(err))
		return ""
	}
	if a.Status == incident.AttemptFailed {
		log.Info("channel failed, falling back", zap.String("channel", a.Channel), zap.String("reason", a.Error))
	}
	return a.Status
}

func (d *Dispatcher) finish(ctx context.Context, log *zap.Logger, incidentID, subjectID, outcome, channel string) {
	if err := d.store.SetOutcome(ctx, incidentID, subjectID, outcome, channel); err != nil {
		log.Error("record outcome", zap.Error(err))
		return
	}
	d.observe(incidentID, outcome, channel)
}

func contentHash(m notifier.Message) string {
	h := sha256.New()
	for _, part := range []string{m.Subject, m.Title, m.Text, m.HTML, m.Link} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
