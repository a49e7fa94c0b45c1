package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// queuedKey is a subject ToQueue found, with its seq for ordering.
type queuedKey struct {
	seq int64
	key store.DeliveryKey
}

// ToQueue lists up to limit subjects that need a delivery job, oldest first.
// It reads each notifying incident's head of subjects_to_queue (a partial
// index holding only pending, unqueued subjects) and merges them by seq, so
// a call costs about limit rows per notifying incident however many
// subjects are stored, queued, told, or waiting on an incident that does
// not notify.
func (s *Store) ToQueue(ctx context.Context, limit int) ([]store.DeliveryKey, error) {
	if limit <= 0 {
		return nil, incident.Invalid("limit", "must be positive")
	}
	var found []queuedKey
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		ids, err := notifyingIncidents(ctx, tx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if found, err = headToQueue(ctx, tx, id, found, limit); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list subjects to queue: %w", err)
	}
	keys := make([]store.DeliveryKey, len(found))
	for i, f := range found {
		keys[i] = f.key
	}
	return keys, nil
}

// notifyingIncidents lists incidents whose current decision says to notify
// subjects. Incidents are few next to
// their subjects, so reading each decision here is cheap.
func notifyingIncidents(ctx context.Context, q querier) ([]string, error) {
	ids, err := queryStrings(ctx, q,
		`SELECT id FROM incidents WHERE json_extract(decision, '$.notify_subjects') = 1`)
	if err != nil {
		return nil, fmt.Errorf("list notifying incidents: %w", err)
	}
	return ids, nil
}

// headToQueue merges the oldest waiting subjects of one incident into found
// (kept sorted by seq, at most limit long). Once found is full only rows
// older than its last one can enter, so the query stops there.
func headToQueue(ctx context.Context, q querier, incidentID string, found []queuedKey, limit int) ([]queuedKey, error) {
	query, args := headQuery, []any{incidentID, limit}
	if len(found) == limit {
		query, args = headBeforeQuery, []any{incidentID, found[limit-1].seq, limit}
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list subjects of %s to queue: %w", incidentID, err)
	}
	defer rows.Close()
	for rows.Next() {
		f := queuedKey{key: store.DeliveryKey{IncidentID: incidentID}}
		if err := rows.Scan(&f.seq, &f.key.SubjectID); err != nil {
			return nil, fmt.Errorf("list subjects of %s to queue: %w", incidentID, err)
		}
		found = append(found, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list subjects of %s to queue: %w", incidentID, err)
	}
	slices.SortFunc(found, func(a, b queuedKey) int { return cmp.Compare(a.seq, b.seq) })
	return found[:min(len(found), limit)], nil
}

// headQuery and headBeforeQuery read subjects_to_queue in seq order; the
// second stops at a seq bound (a range on the index, not a filter, so it
// never walks past the bound). INDEXED BY makes a plan without the index
// an error rather than a silent scan.
const (
	headQuery = `SELECT seq, subject_id FROM subjects INDEXED BY subjects_to_queue
		WHERE incident_id = ? AND outcome = '` + incident.OutcomePending + `' AND queued = 0
		ORDER BY seq LIMIT ?`
	headBeforeQuery = `SELECT seq, subject_id FROM subjects INDEXED BY subjects_to_queue
		WHERE incident_id = ? AND outcome = '` + incident.OutcomePending + `' AND queued = 0
		  AND seq < ?
		ORDER BY seq LIMIT ?`
)

// MarkQueued sets queued on the subjects of keys, in one transaction
// shared with other ledger writes (see batcher). Unknown keys match no row.
func (s *Store) MarkQueued(ctx context.Context, keys []store.DeliveryKey) error {
	if len(keys) == 0 {
		return nil
	}
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		stmt := tx.StmtContext(ctx, s.stmts.markQueued)
		for _, k := range keys {
			if _, err := stmt.ExecContext(ctx, k.IncidentID, k.SubjectID); err != nil {
				return fmt.Errorf("mark subject %s queued: %w", k.SubjectID, err)
			}
		}
		return nil
	})
}

const markQueuedSQL = `UPDATE subjects SET queued = 1
	WHERE incident_id = ? AND subject_id = ? AND queued = 0`

// Delivery returns one delivery job's incident, subject, outcome and
// ledger rows. It runs at every job, so its statements are prepared once
// and the incident is read and decoded only when its revision changed
// (incidentCache).
func (s *Store) Delivery(ctx context.Context, key store.DeliveryKey) (store.PendingDelivery, error) {
	var d store.PendingDelivery
	var revision int64
	var doc string
	err := s.reads.delivery.QueryRowContext(ctx, key.IncidentID, key.SubjectID).Scan(&revision, &doc, &d.Outcome)
	if errors.Is(err, sql.ErrNoRows) {
		if err := mustExist(ctx, s.r, key.IncidentID); err != nil {
			return d, err
		}
		return d, subjectNotFound(key.IncidentID, key.SubjectID)
	}
	if err != nil {
		return d, fmt.Errorf("get delivery of subject %s: %w", key.SubjectID, err)
	}
	if d.Incident, err = s.cache.get(ctx, s.r, key.IncidentID, revision); err != nil {
		return d, err
	}
	if err := s.seal.openSubject(key.IncidentID, key.SubjectID, doc, &d.Subject); err != nil {
		return d, err
	}
	d.Attempts, err = scanAttempts(s.reads.attempts.QueryContext(ctx, key.IncidentID, key.SubjectID))
	if err != nil {
		return d, fmt.Errorf("list attempts of subject %s: %w", key.SubjectID, err)
	}
	return d, nil
}

const deliverySQL = `SELECT i.revision, s.data, s.outcome
	FROM subjects s JOIN incidents i ON i.id = s.incident_id
	WHERE s.incident_id = ? AND s.subject_id = ?`
