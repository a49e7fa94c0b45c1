package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// AddSubjects inserts the new subjects of an existing incident as pending,
// through one prepared statement in the event's transaction.
func (t *tx) AddSubjects(incidentID string, subjects []incident.Subject) (int, error) {
	if err := mustExist(t.ctx, t.tx, incidentID); err != nil {
		return 0, err
	}
	for i, sub := range subjects {
		if sub.ID == "" {
			return 0, incident.Invalid(fmt.Sprintf("subjects[%d].id", i), "is required")
		}
	}
	stmt, err := t.tx.PrepareContext(t.ctx, `
		INSERT INTO subjects (incident_id, subject_id, data, outcome, updated_at)
		VALUES (?, ?, ?, '`+incident.OutcomePending+`', ?)
		ON CONFLICT (incident_id, subject_id) DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("prepare subject insert: %w", err)
	}
	defer stmt.Close()
	added, err := insertSubjects(t.ctx, stmt, t.seal, incidentID, subjects, formatTime(t.now()))
	if err != nil {
		return 0, err
	}
	if err := addPopulation(t.ctx, t.tx, incidentID, added); err != nil {
		return 0, err
	}
	return added.total(), nil
}

// insertSubjects runs the prepared insert per subject, its document sealed
// by seal, and tallies the rows that were new.
func insertSubjects(ctx context.Context, stmt *sql.Stmt, seal sealer, incidentID string, subjects []incident.Subject, now string) (tally, error) {
	added := tally{}
	for _, sub := range subjects {
		doc, err := seal.sealSubject(incidentID, sub)
		if err != nil {
			return nil, err
		}
		n, err := rowsAffected(stmt.ExecContext(ctx, incidentID, sub.ID, doc, now))
		if err != nil {
			return nil, fmt.Errorf("add subject %s to %s: %w", sub.ID, incidentID, err)
		}
		if n > 0 {
			added.add(sub)
		}
	}
	return added, nil
}

// attachIncidents fills in each delivery's incident, reading each once.
func attachIncidents(ctx context.Context, tx *sql.Tx, ds []store.PendingDelivery) error {
	seen := map[string]incident.Incident{}
	for i := range ds {
		id := ds[i].Incident.ID
		inc, ok := seen[id]
		if !ok {
			var err error
			if inc, err = getIncident(ctx, tx, id); err != nil {
				return err
			}
			seen[id] = inc
		}
		ds[i].Incident = inc
	}
	return nil
}

// SetOutcome records the subject's outcome and the channel that reached them.
func (s *Store) SetOutcome(ctx context.Context, incidentID, subjectID, outcome, channel string) error {
	if err := checkOutcome(outcome); err != nil {
		return err
	}
	updatedAt := formatTime(s.now())
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return s.outcomeIn(ctx, tx, incidentID, subjectID, outcome, channel, updatedAt)
	})
}

func checkOutcome(outcome string) error {
	switch outcome {
	case incident.OutcomePending, incident.OutcomeSent, incident.OutcomeUnreachable, incident.OutcomeUncertain:
		return nil
	}
	return incident.Invalid("outcome", "unknown outcome %q", outcome)
}

func (s *Store) outcomeIn(ctx context.Context, tx *sql.Tx, incidentID, subjectID, outcome, channel, updatedAt string) error {
	n, err := rowsAffected(tx.StmtContext(ctx, s.stmts.outcome).ExecContext(ctx,
		outcome, channel, updatedAt, incidentID, subjectID))
	if err != nil {
		return fmt.Errorf("set outcome of subject %s: %w", subjectID, err)
	}
	if n == 0 {
		return subjectNotFound(incidentID, subjectID)
	}
	return nil
}

const outcomeSQL = `UPDATE subjects SET outcome = ?, channel = ?, updated_at = ?
	WHERE incident_id = ? AND subject_id = ?`

// FinalizeOutcome moves a pending subject to a final outcome; see
// store.Store.
func (s *Store) FinalizeOutcome(ctx context.Context, incidentID, subjectID, outcome, channel string) (bool, error) {
	if outcome == incident.OutcomePending {
		return false, incident.Invalid("outcome", "pending is not a final outcome")
	}
	if err := checkOutcome(outcome); err != nil {
		return false, err
	}
	updatedAt := formatTime(s.now())
	var changed bool
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, err := rowsAffected(tx.ExecContext(ctx, `UPDATE subjects SET outcome = ?, channel = ?, updated_at = ?
			WHERE incident_id = ? AND subject_id = ? AND outcome = '`+incident.OutcomePending+`'`,
			outcome, channel, updatedAt, incidentID, subjectID))
		if err != nil {
			return fmt.Errorf("finalize outcome of subject %s: %w", subjectID, err)
		}
		if changed = n == 1; !changed {
			return mustHaveSubject(ctx, tx, incidentID, subjectID)
		}
		return nil
	})
	return changed, err
}

// CountOutcome counts the incident's subjects with one outcome through the
// (outcome, seq) index: rare outcomes cost only their own rows.
func (s *Store) CountOutcome(ctx context.Context, incidentID, outcome string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM subjects INDEXED BY subjects_outcome
		WHERE outcome = ? AND incident_id = ?`, outcome, incidentID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count %s subjects of incident %s: %w", outcome, incidentID, err)
	}
	return n, nil
}

// Progress counts the incident's subject outcomes and its attempts per
// channel, from one snapshot.
func (s *Store) Progress(ctx context.Context, incidentID string) (incident.Progress, error) {
	p := incident.Progress{ByChannel: map[string]incident.ChannelProgress{}}
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, incidentID); err != nil {
			return err
		}
		if err := countOutcomes(ctx, tx, incidentID, &p); err != nil {
			return fmt.Errorf("count outcomes of %s: %w", incidentID, err)
		}
		if err := countAttempts(ctx, tx, incidentID, &p); err != nil {
			return fmt.Errorf("count attempts of %s: %w", incidentID, err)
		}
		if err := countUnreachable(ctx, tx, incidentID, &p); err != nil {
			return fmt.Errorf("count unreachable subjects of %s by channel: %w", incidentID, err)
		}
		return nil
	})
	return p, err
}

// countOutcomes fills the outcome counts and Queued in one pass over the
// incident's subjects: SUM(queued) rather than a second GROUP BY column
// keeps it about as cheap as counting outcomes alone.
func countOutcomes(ctx context.Context, tx *sql.Tx, incidentID string, p *incident.Progress) error {
	rows, err := tx.QueryContext(ctx, `SELECT outcome, COUNT(*), SUM(queued) FROM subjects
		WHERE incident_id = ? GROUP BY outcome`, incidentID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var outcome string
		var n, queued int
		if err := rows.Scan(&outcome, &n, &queued); err != nil {
			return err
		}
		p.Subjects += n
		switch outcome {
		case incident.OutcomeSent:
			p.Sent = n
		case incident.OutcomeUnreachable:
			p.Unreachable = n
		case incident.OutcomeUncertain:
			p.Uncertain = n
		case incident.OutcomePending:
			p.Pending, p.Queued = n, queued
		}
	}
	return rows.Err()
}

// unreachableByChannelSQL counts the unreachable by the last channel tried:
// the subject's channel column if a caller recorded one, else the channel
// of its latest ledger row that reached a provider (a no_address row tried
// nothing); empty when there is none. Like CountOutcome it reads only the
// unreachable rows, which are rare, through the (outcome, seq) index, and
// each one's ledger through the attempts (incident, subject, channel) key:
// folded into countOutcomes' pass it made every Progress call half again
// slower on a million subjects.
const unreachableByChannelSQL = `SELECT COALESCE(NULLIF(channel, ''),
		(SELECT a.channel FROM attempts a
		WHERE a.incident_id = s.incident_id AND a.subject_id = s.subject_id
			AND a.status <> '` + incident.AttemptNoAddress + `'
		ORDER BY a.seq DESC LIMIT 1), '') AS last_channel, COUNT(*)
	FROM subjects s INDEXED BY subjects_outcome
	WHERE outcome = '` + incident.OutcomeUnreachable + `' AND incident_id = ?
	GROUP BY last_channel`

// countUnreachable fills each channel's Unreachable. A person with no
// channel tried (no contact on any) counts in Progress.Unreachable only:
// ByChannel has no entry for "no channel".
func countUnreachable(ctx context.Context, tx *sql.Tx, incidentID string, p *incident.Progress) error {
	rows, err := tx.QueryContext(ctx, unreachableByChannelSQL, incidentID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var channel string
		var n int
		if err := rows.Scan(&channel, &n); err != nil {
			return err
		}
		if channel == "" {
			continue
		}
		c := p.ByChannel[channel]
		c.Unreachable += n
		p.ByChannel[channel] = c
	}
	return rows.Err()
}

// countAttempts fills Failed and ByChannel's ledger counts; every channel
// tried appears. Queued counts claims still in flight: a claim
// ResolveStaleClaims gave up on (error set) is not in flight any more,
// its person counts as uncertain. Delivered counts only attempts still
// sent.
func countAttempts(ctx context.Context, tx *sql.Tx, incidentID string, p *incident.Progress) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT channel, status, COUNT(*), COUNT(delivered_at), SUM(error = '') FROM attempts
		WHERE incident_id = ? GROUP BY channel, status`, incidentID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var channel, status string
		var n, delivered, unresolved int
		if err := rows.Scan(&channel, &status, &n, &delivered, &unresolved); err != nil {
			return err
		}
		c := p.ByChannel[channel]
		switch status {
		case incident.AttemptClaimed:
			c.Queued += unresolved
		case incident.AttemptSent:
			c.Sent += n
			c.Delivered += delivered
		case incident.AttemptFailed:
			c.Failed += n
			p.Failed += n
		}
		p.ByChannel[channel] = c
	}
	return rows.Err()
}
