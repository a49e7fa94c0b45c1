package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/herald-notify/herald/incident"
)

const incidentColumns = `id, status, facts, decision, opened_at, updated_at`

// GetIncident returns one incident, or an error with incident.CodeNotFound.
func (s *Store) GetIncident(ctx context.Context, id string) (incident.Incident, error) {
	return getIncident(ctx, s.r, id)
}

func getIncident(ctx context.Context, q querier, id string) (incident.Incident, error) {
	row := q.QueryRowContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = ?`, id)
	inc, err := scanIncident(row)
	if errors.Is(err, sql.ErrNoRows) {
		return inc, incidentNotFound(id)
	}
	if err != nil {
		return inc, fmt.Errorf("get incident %s: %w", id, err)
	}
	return inc, nil
}

// ListIncidents returns every incident, most recently opened first.
func (s *Store) ListIncidents(ctx context.Context) ([]incident.Incident, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT `+incidentColumns+` FROM incidents ORDER BY opened_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	list := []incident.Incident{}
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		list = append(list, inc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	return list, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanAll reads every row of a query (its rows and error, as QueryContext
// returns them) with scan, and closes them; no rows is an empty list.
func scanAll[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, rows.Err()
}

func scanIncident(sc scanner) (incident.Incident, error) {
	var r incidentRow
	if err := sc.Scan(&r.id, &r.status, &r.facts, &r.decision, &r.opened, &r.updated); err != nil {
		return incident.Incident{}, err
	}
	return r.decode()
}

// incidentRow is an incidents row as stored, before decoding.
type incidentRow struct {
	id, status, facts, decision, opened, updated string
}

func (r incidentRow) decode() (incident.Incident, error) {
	inc := incident.Incident{ID: r.id, Status: r.status}
	if err := decodeJSON(r.facts, &inc.Facts); err != nil {
		return inc, err
	}
	if err := decodeJSON(r.decision, &inc.Decision); err != nil {
		return inc, err
	}
	var err error
	if inc.OpenedAt, err = parseTime(r.opened); err != nil {
		return inc, err
	}
	inc.UpdatedAt, err = parseTime(r.updated)
	return inc, err
}

// Decisions returns every decision version of an incident, oldest first.
func (s *Store) Decisions(ctx context.Context, incidentID string) ([]incident.Decision, error) {
	var list []incident.Decision
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, incidentID); err != nil {
			return err
		}
		docs, err := queryStrings(ctx, tx,
			`SELECT decision FROM decisions WHERE incident_id = ? ORDER BY version`, incidentID)
		if err != nil {
			return fmt.Errorf("list decisions of %s: %w", incidentID, err)
		}
		list = make([]incident.Decision, len(docs))
		for i, doc := range docs {
			if err := decodeJSON(doc, &list[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return list, err
}

// mustExist returns a not-found error unless the incident exists.
func mustExist(ctx context.Context, q querier, incidentID string) error {
	ok, err := incidentExists(ctx, q, incidentID)
	if err != nil {
		return err
	}
	if !ok {
		return incidentNotFound(incidentID)
	}
	return nil
}

// queryStrings runs a query of one text column and collects it.
func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
