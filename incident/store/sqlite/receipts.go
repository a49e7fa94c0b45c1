package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// AttemptByProviderID finds the ledger row a delivery receipt names, through
// the attempts_receipt index. Should a provider ever reuse an id, the latest
// row is the one its receipt can mean.
func (s *Store) AttemptByProviderID(ctx context.Context, provider, providerID string) (store.Attempt, error) {
	switch {
	case provider == "":
		return store.Attempt{}, incident.Invalid("provider", "is required")
	case providerID == "":
		return store.Attempt{}, incident.Invalid("provider_id", "is required")
	}
	row := s.r.QueryRowContext(ctx, `SELECT `+attemptColumns+` FROM attempts
		WHERE provider = ? AND provider_id = ? AND provider_id <> ''
		ORDER BY seq DESC LIMIT 1`, provider, providerID)
	a, err := scanAttempt(row)
	if errors.Is(err, sql.ErrNoRows) {
		return a, incident.NotFound("no %s attempt with provider id %s", provider, providerID)
	}
	if err != nil {
		return a, fmt.Errorf("look up %s attempt by provider id: %w", provider, err)
	}
	return a, nil
}

// FailLate turns a sent attempt into a failed one and, when the subject was
// counted as reached on that very channel, reopens the subject (pending,
// no channel, not queued) so that ToQueue lists it again and a new job tries
// the next channel. Both changes share one transaction. The attempt is named
// by a's incident, subject and channel; a.FinishedAt (default now) becomes
// the failure time.
func (s *Store) FailLate(ctx context.Context, a store.Attempt, reason string) (bool, error) {
	if err := checkAttemptKey(a); err != nil {
		return false, err
	}
	if reason == "" {
		return false, incident.Invalid("reason", "is required")
	}
	now := s.now()
	reopened := false
	err := s.inWriteTx(ctx, func(tx *sql.Tx) error {
		failed, err := failSentAttempt(ctx, tx, a, reason, formatTime(orNow(a.FinishedAt, now)))
		if err != nil || !failed {
			return err
		}
		reopened, err = reopenSubject(ctx, tx, a, formatTime(now))
		return err
	})
	return reopened, err
}

// failSentAttempt reports false when the attempt exists but is not sent
// (a repeated receipt), and not found when it does not exist.
func failSentAttempt(ctx context.Context, tx *sql.Tx, a store.Attempt, reason, at string) (bool, error) {
	n, err := rowsAffected(tx.ExecContext(ctx, `
		UPDATE attempts SET status = ?, error = ?, finished_at = ?
		WHERE incident_id = ? AND subject_id = ? AND channel = ? AND status = ?`,
		incident.AttemptFailed, reason, at, a.IncidentID, a.SubjectID, a.Channel, incident.AttemptSent))
	if err != nil {
		return false, fmt.Errorf("fail %s attempt of subject %s late: %w", a.Channel, a.SubjectID, err)
	}
	if n == 1 {
		return true, nil
	}
	return false, mustHaveAttempt(ctx, tx, a)
}

// reopenSubject puts the subject back to pending only if its outcome rests
// on the failed channel: one reached on another channel since stays told.
func reopenSubject(ctx context.Context, tx *sql.Tx, a store.Attempt, at string) (bool, error) {
	n, err := rowsAffected(tx.ExecContext(ctx, `
		UPDATE subjects SET outcome = ?, channel = '', queued = 0, updated_at = ?
		WHERE incident_id = ? AND subject_id = ? AND outcome = ? AND channel = ?`,
		incident.OutcomePending, at, a.IncidentID, a.SubjectID, incident.OutcomeSent, a.Channel))
	if err != nil {
		return false, fmt.Errorf("reopen subject %s: %w", a.SubjectID, err)
	}
	return n == 1, nil
}

// MarkDelivered records the provider's confirmation that a sent attempt
// reached the person; see store.Store. It is a ledger write (one receipt
// per message sent), so it shares the batcher's transactions. A zero at
// means now.
func (s *Store) MarkDelivered(ctx context.Context, a store.Attempt, at time.Time) (bool, error) {
	if err := checkAttemptKey(a); err != nil {
		return false, err
	}
	deliveredAt := formatTime(orNow(at, s.now()))
	var marked bool
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, err := rowsAffected(tx.ExecContext(ctx, `UPDATE attempts SET delivered_at = ?
			WHERE incident_id = ? AND subject_id = ? AND channel = ?
				AND status = '`+incident.AttemptSent+`' AND delivered_at IS NULL`,
			deliveredAt, a.IncidentID, a.SubjectID, a.Channel))
		if err != nil {
			return fmt.Errorf("mark %s attempt of subject %s delivered: %w", a.Channel, a.SubjectID, err)
		}
		if marked = n == 1; !marked {
			return mustHaveAttempt(ctx, tx, a)
		}
		return nil
	})
	return marked, err
}

// mustHaveAttempt tells a receipt for a row that is not there (not found)
// from one for a row in another state.
func mustHaveAttempt(ctx context.Context, q querier, a store.Attempt) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM attempts
		WHERE incident_id = ? AND subject_id = ? AND channel = ?`,
		a.IncidentID, a.SubjectID, a.Channel).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return incident.NotFound("no %s attempt for subject %s of incident %s",
			a.Channel, a.SubjectID, a.IncidentID)
	}
	if err != nil {
		return fmt.Errorf("look up %s attempt of subject %s: %w", a.Channel, a.SubjectID, err)
	}
	return nil
}
