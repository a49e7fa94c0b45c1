package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/herald-notify/herald/incident"
)

// totalKey is the populations row that counts every subject.
const totalKey = ""

// tally counts newly stored subjects by population key.
type tally map[string]int

func (c tally) add(s incident.Subject) {
	c[totalKey]++
	if j := jurisdictionKey(s.Jurisdiction); j != "" {
		c[j]++
	}
}

func (c tally) total() int { return c[totalKey] }

// jurisdictionKey normalises a subject's jurisdiction as the v2 backfill's
// UPPER(TRIM(...)) does: spaces trimmed, ASCII letters upper-cased (ISO
// 3166 codes are ASCII; SQLite's UPPER leaves other letters alone).
func jurisdictionKey(j string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, strings.Trim(j, " "))
}

// addPopulation adds the tally to the stored counts: one upsert per
// jurisdiction in the batch, never a count over the subjects.
func addPopulation(ctx context.Context, tx *sql.Tx, incidentID string, c tally) error {
	if c.total() == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `
		INSERT INTO populations (incident_id, jurisdiction, subjects) VALUES (?, ?, ?)
		ON CONFLICT (incident_id, jurisdiction) DO UPDATE SET subjects = subjects + excluded.subjects`)
	if err != nil {
		return fmt.Errorf("prepare population update: %w", err)
	}
	defer stmt.Close()
	for j, n := range c {
		if _, err := stmt.ExecContext(ctx, incidentID, j, n); err != nil {
			return fmt.Errorf("count subjects of %s: %w", incidentID, err)
		}
	}
	return nil
}

// Population reads the incident's subject counts inside the event.
func (t *tx) Population(incidentID string) (incident.Population, error) {
	return population(t.ctx, t.tx, incidentID)
}

// Population reads the incident's subject counts.
func (s *Store) Population(ctx context.Context, incidentID string) (incident.Population, error) {
	var p incident.Population
	err := s.inReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = population(ctx, tx, incidentID)
		return err
	})
	return p, err
}

func population(ctx context.Context, q querier, incidentID string) (incident.Population, error) {
	var p incident.Population
	if err := mustExist(ctx, q, incidentID); err != nil {
		return p, err
	}
	rows, err := q.QueryContext(ctx,
		`SELECT jurisdiction, subjects FROM populations WHERE incident_id = ?`, incidentID)
	if err != nil {
		return p, fmt.Errorf("read population of %s: %w", incidentID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var j string
		var n int
		if err := rows.Scan(&j, &n); err != nil {
			return p, fmt.Errorf("read population of %s: %w", incidentID, err)
		}
		if j == totalKey {
			p.Subjects = n
			continue
		}
		if p.Jurisdictions == nil {
			p.Jurisdictions = map[string]int{}
		}
		p.Jurisdictions[j] = n
	}
	if err := rows.Err(); err != nil {
		return p, fmt.Errorf("read population of %s: %w", incidentID, err)
	}
	return p, nil
}
