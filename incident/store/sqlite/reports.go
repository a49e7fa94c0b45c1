package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/herald-notify/herald/incident"
)

// SaveReport stores r as the incident's next report version (1, 2, ... per
// incident, across regimes and phases). GeneratedAt defaults to now.
func (s *Store) SaveReport(ctx context.Context, r incident.Report) (incident.Report, error) {
	if r.IncidentID == "" {
		return r, incident.Invalid("incident_id", "is required")
	}
	err := s.inWriteTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx,
			`SELECT COALESCE(MAX(version), 0) + 1 FROM reports WHERE incident_id = ?`,
			r.IncidentID).Scan(&r.Version); err != nil {
			return fmt.Errorf("read report version of %s: %w", r.IncidentID, err)
		}
		r.GeneratedAt = orNow(r.GeneratedAt, s.now()).UTC()
		doc, err := encodeJSON(r)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO reports (incident_id, version, regime, phase, json, content_hash, generated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.IncidentID, r.Version, r.Regime, r.Phase, doc, r.ContentHash, formatTime(r.GeneratedAt))
		return insertError(err, r.IncidentID, "save report")
	})
	return r, err
}

// insertError maps a write that referenced a missing incident to not found.
func insertError(err error, incidentID, what string) error {
	switch {
	case err == nil:
		return nil
	case isForeignKey(err):
		return incidentNotFound(incidentID)
	default:
		return fmt.Errorf("%s for %s: %w", what, incidentID, err)
	}
}

// ListReports returns the incident's reports, oldest version first.
func (s *Store) ListReports(ctx context.Context, incidentID string) ([]incident.Report, error) {
	var list []incident.Report
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, incidentID); err != nil {
			return err
		}
		docs, err := queryStrings(ctx, tx,
			`SELECT json FROM reports WHERE incident_id = ? ORDER BY version`, incidentID)
		if err != nil {
			return fmt.Errorf("list reports of %s: %w", incidentID, err)
		}
		list = make([]incident.Report, len(docs))
		for i, doc := range docs {
			if err := decodeJSON(doc, &list[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return list, err
}

// SetReportDelivery rewrites delivered_via in the stored report document;
// see store.Store. The row's other columns are left as saved.
func (s *Store) SetReportDelivery(ctx context.Context, incidentID string, version int, via string) error {
	return s.inWriteTx(ctx, func(tx *sql.Tx) error {
		var doc string
		err := tx.QueryRowContext(ctx, `SELECT json FROM reports WHERE incident_id = ? AND version = ?`,
			incidentID, version).Scan(&doc)
		if errors.Is(err, sql.ErrNoRows) {
			return incident.NotFound("no report %d for incident %s", version, incidentID)
		}
		if err != nil {
			return fmt.Errorf("read report %d of %s: %w", version, incidentID, err)
		}
		var r incident.Report
		if err := decodeJSON(doc, &r); err != nil {
			return err
		}
		r.DeliveredTo = via
		if doc, err = encodeJSON(r); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET json = ? WHERE incident_id = ? AND version = ?`,
			doc, incidentID, version); err != nil {
			return fmt.Errorf("record delivery of report %d of %s: %w", version, incidentID, err)
		}
		return nil
	})
}

// SaveNotice stores n as the incident's next revision. UpdatedAt defaults to
// now; PublishedAt defaults to the first revision's, or now for the first.
func (s *Store) SaveNotice(ctx context.Context, n incident.Notice) (incident.Notice, error) {
	if n.IncidentID == "" {
		return n, incident.Invalid("incident_id", "is required")
	}
	err := s.inWriteTx(ctx, func(tx *sql.Tx) error {
		var first sql.NullString
		if err := tx.QueryRowContext(ctx, `
			SELECT COALESCE(MAX(revision), 0) + 1, MIN(published_at) FROM notices
			WHERE incident_id = ?`, n.IncidentID).Scan(&n.Revision, &first); err != nil {
			return fmt.Errorf("read notice revision of %s: %w", n.IncidentID, err)
		}
		if err := fillNoticeTimes(&n, first, s.now()); err != nil {
			return err
		}
		doc, err := encodeJSON(n)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO notices (incident_id, revision, json, published_at, updated_at)
			VALUES (?, ?, ?, ?, ?)`,
			n.IncidentID, n.Revision, doc, formatTime(n.PublishedAt), formatTime(n.UpdatedAt))
		return insertError(err, n.IncidentID, "save notice")
	})
	return n, err
}

func fillNoticeTimes(n *incident.Notice, first sql.NullString, now time.Time) error {
	n.UpdatedAt = orNow(n.UpdatedAt, now).UTC()
	if !n.PublishedAt.IsZero() {
		n.PublishedAt = n.PublishedAt.UTC()
		return nil
	}
	published, err := parseOptTime(first)
	n.PublishedAt = orNow(published, now).UTC()
	return err
}

// GetNotice returns the latest revision of the incident's notice.
func (s *Store) GetNotice(ctx context.Context, incidentID string) (incident.Notice, error) {
	var n incident.Notice
	var doc string
	err := s.r.QueryRowContext(ctx, `
		SELECT json FROM notices WHERE incident_id = ? ORDER BY revision DESC LIMIT 1`,
		incidentID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return n, incident.NotFound("no notice for incident %s", incidentID)
	}
	if err != nil {
		return n, fmt.Errorf("get notice of %s: %w", incidentID, err)
	}
	return n, decodeJSON(doc, &n)
}

// NoticeRevisions returns every revision of one notice, oldest first.
func (s *Store) NoticeRevisions(ctx context.Context, incidentID string) ([]incident.Notice, error) {
	docs, err := queryStrings(ctx, s.r, `SELECT json FROM notices WHERE incident_id = ? ORDER BY revision`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("list notice revisions of %s: %w", incidentID, err)
	}
	if len(docs) == 0 {
		return nil, incident.NotFound("no notice for incident %s", incidentID)
	}
	list := make([]incident.Notice, len(docs))
	for i, doc := range docs {
		if err := decodeJSON(doc, &list[i]); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// ListNotices returns the latest revision of every notice, most recently
// first published first.
func (s *Store) ListNotices(ctx context.Context) ([]incident.Notice, error) {
	docs, err := queryStrings(ctx, s.r, `
		SELECT n.json FROM notices n
		WHERE n.revision = (SELECT MAX(revision) FROM notices WHERE incident_id = n.incident_id)
		ORDER BY n.published_at DESC, n.incident_id`)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	list := make([]incident.Notice, len(docs))
	for i, doc := range docs {
		if err := decodeJSON(doc, &list[i]); err != nil {
			return nil, err
		}
	}
	return list, nil
}
