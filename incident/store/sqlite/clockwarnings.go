package sqlite

import (
	"context"
	"database/sql"

	"github.com/herald-notify/herald/incident"
)

// MarkClockWarning records a deadline warning once; see store.Store.
func (s *Store) MarkClockWarning(ctx context.Context, incidentID, regime, phase, level string) (bool, error) {
	for _, f := range [][2]string{{"incident_id", incidentID}, {"regime", regime}, {"phase", phase}, {"level", level}} {
		if f[1] == "" {
			return false, incident.Invalid(f[0], "is required")
		}
	}
	var first bool
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, err := rowsAffected(tx.ExecContext(ctx, `
			INSERT INTO clock_warnings (incident_id, regime, phase, level, warned_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (incident_id, regime, phase, level) DO NOTHING`,
			incidentID, regime, phase, level, formatTime(s.now())))
		if err != nil {
			return insertError(err, incidentID, "mark clock warning")
		}
		first = n == 1
		return nil
	})
	return first, err
}
