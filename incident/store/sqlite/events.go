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

// EventApplied reports whether the CloudEvent id was already applied.
func (s *Store) EventApplied(ctx context.Context, eventID string) (bool, error) {
	return eventApplied(ctx, s.r, eventID)
}

func eventApplied(ctx context.Context, q querier, eventID string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM applied_events WHERE event_id = ?`, eventID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up event %s: %w", eventID, err)
	}
	return true, nil
}

// ApplyEvent runs fn and records eventID in one write transaction. fn must
// use only the Tx it is given: the Store's own write methods would wait for
// the single write connection that fn is holding.
func (s *Store) ApplyEvent(ctx context.Context, eventID, incidentID, eventType string, fn func(store.Tx) error) (bool, error) {
	if eventID == "" {
		return false, incident.Invalid("id", "event id is required")
	}
	applied := false
	err := s.inWriteTx(ctx, func(sqlTx *sql.Tx) error {
		seen, err := eventApplied(ctx, sqlTx, eventID)
		if err != nil || seen {
			return err
		}
		if err := fn(&tx{ctx: ctx, tx: sqlTx, seal: s.seal, now: s.now}); err != nil {
			return fmt.Errorf("apply event %s: %w", eventID, err)
		}
		if _, err := sqlTx.ExecContext(ctx,
			`INSERT INTO applied_events (event_id, incident_id, type, applied_at) VALUES (?, ?, ?, ?)`,
			eventID, incidentID, eventType, formatTime(s.now())); err != nil {
			return fmt.Errorf("record event %s: %w", eventID, err)
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return applied, nil
}

// tx is the store.Tx handed to ApplyEvent's fn.
type tx struct {
	ctx  context.Context
	tx   *sql.Tx
	seal sealer
	now  func() time.Time
}

func (t *tx) GetIncident(id string) (incident.Incident, error) {
	return getIncident(t.ctx, t.tx, id)
}

// PutIncident upserts rather than REPLACE-ing, which would delete the row and
// trip the foreign keys of its subjects.
func (t *tx) PutIncident(inc incident.Incident) error {
	if inc.ID == "" {
		return incident.Invalid("incident_id", "is required")
	}
	facts, err := encodeJSON(inc.Facts)
	if err != nil {
		return err
	}
	decision, err := encodeJSON(inc.Decision)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx, `
		INSERT INTO incidents (id, status, facts, decision, opened_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, facts = excluded.facts,
			decision = excluded.decision, opened_at = excluded.opened_at,
			updated_at = excluded.updated_at, revision = incidents.revision + 1`,
		inc.ID, inc.Status, facts, decision, formatTime(inc.OpenedAt), formatTime(inc.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put incident %s: %w", inc.ID, err)
	}
	return nil
}

// AppendDecision stores d as the next version for its incident. DecidedAt is
// set to now when the caller left it nil.
func (t *tx) AppendDecision(d incident.Decision) (incident.Decision, error) {
	if d.IncidentID == "" {
		return d, incident.Invalid("incident_id", "is required")
	}
	var last int
	if err := t.tx.QueryRowContext(t.ctx,
		`SELECT COALESCE(MAX(version), 0) FROM decisions WHERE incident_id = ?`,
		d.IncidentID).Scan(&last); err != nil {
		return d, fmt.Errorf("read decision version of %s: %w", d.IncidentID, err)
	}
	d.Version = last + 1
	if d.DecidedAt == nil {
		now := t.now().UTC()
		d.DecidedAt = &now
	}
	doc, err := encodeJSON(d)
	if err != nil {
		return d, err
	}
	if _, err := t.tx.ExecContext(t.ctx,
		`INSERT INTO decisions (incident_id, version, decision, decided_at) VALUES (?, ?, ?, ?)`,
		d.IncidentID, d.Version, doc, formatTime(*d.DecidedAt)); err != nil {
		return d, fmt.Errorf("append decision to %s: %w", d.IncidentID, err)
	}
	return d, nil
}
