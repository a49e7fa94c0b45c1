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

// staleReason marks a claim found unfinished after its lease.
const staleReason = "unconfirmed after claim lease"

// ClaimAttempt inserts the ledger row in status claimed, or reports false if
// any row for (incident, subject, channel) exists, even one a write earlier
// in the same batch inserted. ClaimedAt defaults to now.
func (s *Store) ClaimAttempt(ctx context.Context, a store.Attempt) (bool, error) {
	if err := checkAttemptKey(a); err != nil {
		return false, err
	}
	claimedAt := formatTime(orNow(a.ClaimedAt, s.now()))
	var claimed bool
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, err := rowsAffected(tx.StmtContext(ctx, s.stmts.claim).ExecContext(ctx,
			a.IncidentID, a.SubjectID, a.Channel, incident.AttemptClaimed, a.Provider,
			a.TemplateID, a.Locale, a.ContentHash, a.Tries, claimedAt))
		if isForeignKey(err) {
			return subjectNotFound(a.IncidentID, a.SubjectID)
		}
		if err != nil {
			return fmt.Errorf("claim %s attempt for subject %s: %w", a.Channel, a.SubjectID, err)
		}
		claimed = n == 1
		return nil
	})
	return claimed, err
}

const claimSQL = `INSERT INTO attempts (incident_id, subject_id, channel, status, provider,
		template_id, locale, content_hash, tries, claimed_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (incident_id, subject_id, channel) DO NOTHING`

func checkAttemptKey(a store.Attempt) error {
	switch {
	case a.IncidentID == "":
		return incident.Invalid("incident_id", "is required")
	case a.SubjectID == "":
		return incident.Invalid("subject_id", "is required")
	case a.Channel == "":
		return incident.Invalid("channel", "is required")
	}
	return nil
}

// FinishAttempt records the result of a claimed attempt. A finished row is
// proof of what happened and is never rewritten: finishing it again is a
// conflict. Claim-time fields left empty keep their claimed values;
// FinishedAt defaults to now.
func (s *Store) FinishAttempt(ctx context.Context, a store.Attempt) error {
	if err := checkFinish(a); err != nil {
		return err
	}
	finishedAt := formatTime(orNow(a.FinishedAt, s.now()))
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return s.finishIn(ctx, tx, a, finishedAt)
	})
}

// FinishDelivery records a claimed attempt's result and the subject's
// final outcome on that channel in one write: the usual end of a
// delivery, one commit wait instead of two.
func (s *Store) FinishDelivery(ctx context.Context, a store.Attempt, outcome string) error {
	if err := checkFinish(a); err != nil {
		return err
	}
	if err := checkOutcome(outcome); err != nil {
		return err
	}
	finishedAt := formatTime(orNow(a.FinishedAt, s.now()))
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.finishIn(ctx, tx, a, finishedAt); err != nil {
			return err
		}
		return s.outcomeIn(ctx, tx, a.IncidentID, a.SubjectID, outcome, a.Channel, finishedAt)
	})
}

func checkFinish(a store.Attempt) error {
	if err := checkAttemptKey(a); err != nil {
		return err
	}
	switch a.Status {
	case incident.AttemptSent, incident.AttemptFailed, incident.AttemptNoAddress:
		return nil
	}
	return incident.Invalid("status", "cannot finish an attempt as %q", a.Status)
}

func (s *Store) finishIn(ctx context.Context, tx *sql.Tx, a store.Attempt, finishedAt string) error {
	n, err := rowsAffected(tx.StmtContext(ctx, s.stmts.finish).ExecContext(ctx,
		a.Status, a.Provider, a.ProviderID, a.TemplateID, a.Locale, a.ContentHash,
		a.Tries, a.Error, finishedAt,
		a.IncidentID, a.SubjectID, a.Channel, incident.AttemptClaimed))
	if err != nil {
		return fmt.Errorf("finish %s attempt for subject %s: %w", a.Channel, a.SubjectID, err)
	}
	if n == 1 {
		return nil
	}
	return whyNotClaimed(ctx, tx, a)
}

const finishSQL = `UPDATE attempts SET status = ?, provider = COALESCE(NULLIF(?, ''), provider),
		provider_id = ?, template_id = COALESCE(NULLIF(?, ''), template_id),
		locale = COALESCE(NULLIF(?, ''), locale),
		content_hash = COALESCE(NULLIF(?, ''), content_hash),
		tries = ?, error = ?, finished_at = ?
	WHERE incident_id = ? AND subject_id = ? AND channel = ? AND status = ?`

// whyNotClaimed explains a FinishAttempt that matched no claimed row. It
// reads in the write's own transaction: the single writer connection is
// taken by it.
func whyNotClaimed(ctx context.Context, q querier, a store.Attempt) error {
	var status string
	err := q.QueryRowContext(ctx, `
		SELECT status FROM attempts WHERE incident_id = ? AND subject_id = ? AND channel = ?`,
		a.IncidentID, a.SubjectID, a.Channel).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return incident.NotFound("no %s attempt claimed for subject %s of incident %s",
			a.Channel, a.SubjectID, a.IncidentID)
	}
	if err != nil {
		return fmt.Errorf("look up %s attempt for subject %s: %w", a.Channel, a.SubjectID, err)
	}
	return conflict("%s attempt for subject %s of incident %s is already %s",
		a.Channel, a.SubjectID, a.IncidentID, status)
}

const attemptColumns = `incident_id, subject_id, channel, status, provider, provider_id,
	template_id, locale, content_hash, tries, error, claimed_at, finished_at`

// Attempts lists the ledger rows of one subject in claim order; a subject
// that does not exist is not found.
func (s *Store) Attempts(ctx context.Context, incidentID, subjectID string) ([]store.Attempt, error) {
	var list []store.Attempt
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		list, err = queryAttempts(ctx, tx, incidentID, subjectID)
		if err != nil {
			return fmt.Errorf("list attempts of subject %s: %w", subjectID, err)
		}
		if len(list) > 0 {
			return nil
		}
		return mustHaveSubject(ctx, tx, incidentID, subjectID)
	})
	return list, err
}

func queryAttempts(ctx context.Context, tx *sql.Tx, incidentID, subjectID string) ([]store.Attempt, error) {
	return scanAttempts(tx.QueryContext(ctx, attemptsSQL, incidentID, subjectID))
}

const attemptsSQL = `SELECT ` + attemptColumns + ` FROM attempts
	WHERE incident_id = ? AND subject_id = ? ORDER BY seq`

// scanAttempts reads the rows of an attempts query.
func scanAttempts(rows *sql.Rows, err error) ([]store.Attempt, error) {
	return scanAll(rows, err, scanAttempt)
}

func scanAttempt(sc scanner) (store.Attempt, error) {
	var a store.Attempt
	var claimed string
	var finished sql.NullString
	if err := sc.Scan(&a.IncidentID, &a.SubjectID, &a.Channel, &a.Status, &a.Provider,
		&a.ProviderID, &a.TemplateID, &a.Locale, &a.ContentHash, &a.Tries, &a.Error,
		&claimed, &finished); err != nil {
		return a, err
	}
	var err error
	if a.ClaimedAt, err = parseTime(claimed); err != nil {
		return a, err
	}
	a.FinishedAt, err = parseOptTime(finished)
	return a, err
}

func mustHaveSubject(ctx context.Context, q querier, incidentID, subjectID string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM subjects WHERE incident_id = ? AND subject_id = ?`,
		incidentID, subjectID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return subjectNotFound(incidentID, subjectID)
	}
	if err != nil {
		return fmt.Errorf("look up subject %s: %w", subjectID, err)
	}
	return nil
}

// ResolveStaleClaims marks every unresolved claim made before claimedBefore
// with staleReason and turns its subject, if still pending, to uncertain.
// The attempt row stays in status claimed as evidence; a second call finds
// nothing new. A claim made since claimedBefore is left to its sender. The
// literal 'claimed' lets both statements read the attempts_claimed partial
// index instead of every attempt.
func (s *Store) ResolveStaleClaims(ctx context.Context, claimedBefore time.Time) (int, error) {
	var n int64
	before := formatTime(claimedBefore)
	err := s.inWriteTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			UPDATE subjects SET outcome = ?, updated_at = ?
			WHERE outcome = ? AND seq IN (
				SELECT s.seq FROM attempts a JOIN subjects s
					ON s.incident_id = a.incident_id AND s.subject_id = a.subject_id
				WHERE a.status = '`+incident.AttemptClaimed+`' AND a.error = '' AND a.claimed_at < ?)`,
			incident.OutcomeUncertain, formatTime(s.now()), incident.OutcomePending, before); err != nil {
			return fmt.Errorf("mark uncertain subjects: %w", err)
		}
		var err error
		n, err = rowsAffected(tx.ExecContext(ctx, `UPDATE attempts SET error = ?
			WHERE status = '`+incident.AttemptClaimed+`' AND error = '' AND claimed_at < ?`,
			staleReason, before))
		if err != nil {
			return fmt.Errorf("mark stale claims: %w", err)
		}
		return nil
	})
	return int(n), err
}
