package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/herald-notify/herald/incident"
)

// SaveReportDelivery inserts or replaces one report delivery row; see
// store.Store. UpdatedAt is the store's clock, so that a row whose sender
// stopped mid-way shows as stalled. A recorded acknowledgement is never
// replaced: the authority's first word stays, as in AcknowledgeReport.
func (s *Store) SaveReportDelivery(ctx context.Context, d incident.ReportDelivery) error {
	if err := checkReportDelivery(d); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx, `
		INSERT INTO report_deliveries (incident_id, version, authority_id, method, status, tries,
			provider, reference, error, next_at, sent_at, acknowledged_at, acknowledgement, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (incident_id, version, authority_id) DO UPDATE SET
			method = excluded.method, status = excluded.status, tries = excluded.tries,
			provider = excluded.provider, reference = excluded.reference, error = excluded.error,
			next_at = excluded.next_at, sent_at = excluded.sent_at,
			acknowledgement = CASE WHEN acknowledged_at IS NULL
				THEN excluded.acknowledgement ELSE acknowledgement END,
			acknowledged_at = COALESCE(acknowledged_at, excluded.acknowledged_at),
			updated_at = excluded.updated_at`,
		d.IncidentID, d.Version, d.AuthorityID, d.Method, d.Status, d.Tries,
		d.Provider, d.Reference, d.Error, formatOptTimePtr(d.NextAt), formatOptTimePtr(d.SentAt),
		formatOptTimePtr(d.AcknowledgedAt), d.Acknowledgement, formatTime(s.now()))
	switch {
	case isForeignKey(err):
		return reportNotFound(d.IncidentID, d.Version)
	case err != nil:
		return fmt.Errorf("save delivery of report %d of %s to %s: %w", d.Version, d.IncidentID, d.AuthorityID, err)
	}
	return nil
}

// checkReportDelivery rejects a row that could not be retried or read
// back: a failed delivery without NextAt would never be due again.
func checkReportDelivery(d incident.ReportDelivery) error {
	switch {
	case d.IncidentID == "":
		return incident.Invalid("incident_id", "is required")
	case d.Version < 1:
		return incident.Invalid("version", "must be 1 or more")
	case d.AuthorityID == "":
		return incident.Invalid("authority_id", "is required")
	case d.Method == "":
		return incident.Invalid("method", "is required")
	case d.Status == incident.ReportDeliveryFailed && d.NextAt == nil:
		return incident.Invalid("next_attempt_at", "is required for a failed delivery")
	case d.Acknowledgement != "" && d.AcknowledgedAt == nil:
		return incident.Invalid("acknowledged_at", "is required with an acknowledgement")
	}
	switch d.Status {
	case incident.ReportDeliveryPending, incident.ReportDeliverySent,
		incident.ReportDeliveryFailed, incident.ReportDeliveryGaveUp:
		return nil
	}
	return incident.Invalid("status", "unknown report delivery status %q", d.Status)
}

func reportNotFound(incidentID string, version int) error {
	return incident.NotFound("no report %d for incident %s", version, incidentID)
}

const reportDeliveryColumns = `incident_id, version, authority_id, method, status, tries,
	provider, reference, error, next_at, sent_at, acknowledged_at, acknowledgement, updated_at`

// ReportDeliveries lists an incident's delivery rows by version, then
// authority; an incident that does not exist is not found.
func (s *Store) ReportDeliveries(ctx context.Context, incidentID string) ([]incident.ReportDelivery, error) {
	var list []incident.ReportDelivery
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, incidentID); err != nil {
			return err
		}
		var err error
		list, err = scanReportDeliveries(tx.QueryContext(ctx, `SELECT `+reportDeliveryColumns+`
			FROM report_deliveries WHERE incident_id = ? ORDER BY version, authority_id`, incidentID))
		if err != nil {
			return fmt.Errorf("list report deliveries of %s: %w", incidentID, err)
		}
		return nil
	})
	return list, err
}

// dueSQL lists the rows to (re)try, each arm through its partial index
// (status as a literal, so SQLite can use it): failed rows by NextAt,
// pending ones by UpdatedAt. "Oldest first" is by when the row became
// due: its NextAt, or its last write for a stalled one.
const dueSQL = `SELECT ` + reportDeliveryColumns + ` FROM (
		SELECT *, next_at AS due FROM report_deliveries INDEXED BY report_deliveries_retry
		WHERE status = '` + incident.ReportDeliveryFailed + `' AND next_at <= ?
		UNION ALL
		SELECT *, updated_at AS due FROM report_deliveries INDEXED BY report_deliveries_stalled
		WHERE status = '` + incident.ReportDeliveryPending + `' AND updated_at < ?)
	ORDER BY due, incident_id, version, authority_id LIMIT ?`

// DueReportDeliveries lists up to limit rows that need a (re)try; see
// store.Store.
func (s *Store) DueReportDeliveries(ctx context.Context, now, stalledBefore time.Time, limit int) ([]incident.ReportDelivery, error) {
	if limit < 1 {
		return nil, incident.Invalid("limit", "must be positive")
	}
	list, err := scanReportDeliveries(s.r.QueryContext(ctx, dueSQL,
		formatTime(now), formatTime(stalledBefore), limit))
	if err != nil {
		return nil, fmt.Errorf("list due report deliveries: %w", err)
	}
	return list, nil
}

// AcknowledgeReport records the authority's acknowledgement once; see
// store.Store. UpdatedAt stays the sender's last write, which the stalled
// check reads; AcknowledgedAt says when the authority answered. A zero at
// means now.
func (s *Store) AcknowledgeReport(ctx context.Context, incidentID string, version int, authorityID, reference string, at time.Time) (incident.ReportDelivery, error) {
	switch {
	case incidentID == "":
		return incident.ReportDelivery{}, incident.Invalid("incident_id", "is required")
	case authorityID == "":
		return incident.ReportDelivery{}, incident.Invalid("authority_id", "is required")
	}
	var d incident.ReportDelivery
	err := s.inWriteTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE report_deliveries
			SET acknowledged_at = ?, acknowledgement = ?
			WHERE incident_id = ? AND version = ? AND authority_id = ? AND acknowledged_at IS NULL`,
			formatTime(orNow(at, s.now())), reference, incidentID, version, authorityID); err != nil {
			return fmt.Errorf("acknowledge report %d of %s by %s: %w", version, incidentID, authorityID, err)
		}
		var err error
		d, err = scanReportDelivery(tx.QueryRowContext(ctx, `SELECT `+reportDeliveryColumns+`
			FROM report_deliveries WHERE incident_id = ? AND version = ? AND authority_id = ?`,
			incidentID, version, authorityID))
		if errors.Is(err, sql.ErrNoRows) {
			return incident.NotFound("report %d of incident %s was not sent to authority %s",
				version, incidentID, authorityID)
		}
		if err != nil {
			return fmt.Errorf("read delivery of report %d of %s to %s: %w", version, incidentID, authorityID, err)
		}
		return nil
	})
	return d, err
}

// scanReportDeliveries reads the rows of a report_deliveries query; none
// is an empty list, not nil, so the API shows [].
func scanReportDeliveries(rows *sql.Rows, err error) ([]incident.ReportDelivery, error) {
	return scanAll(rows, err, scanReportDelivery)
}

func scanReportDelivery(sc scanner) (incident.ReportDelivery, error) {
	var d incident.ReportDelivery
	var next, sent, acked sql.NullString
	var updated string
	if err := sc.Scan(&d.IncidentID, &d.Version, &d.AuthorityID, &d.Method, &d.Status, &d.Tries,
		&d.Provider, &d.Reference, &d.Error, &next, &sent, &acked, &d.Acknowledgement, &updated); err != nil {
		return d, err
	}
	var err error
	if d.UpdatedAt, err = parseTime(updated); err != nil {
		return d, err
	}
	for _, f := range []struct {
		dst **time.Time
		src sql.NullString
	}{{&d.NextAt, next}, {&d.SentAt, sent}, {&d.AcknowledgedAt, acked}} {
		if *f.dst, err = parseTimePtr(f.src); err != nil {
			return d, err
		}
	}
	return d, nil
}

// formatOptTimePtr stores a nil time as NULL.
func formatOptTimePtr(t *time.Time) sql.NullString {
	if t == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: formatTime(*t), Valid: true}
}

// parseTimePtr reads NULL as nil.
func parseTimePtr(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}
