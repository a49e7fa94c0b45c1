package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/herald-notify/herald/incident"
)

// Lease takes the named lease when it is free, expired or already owner's,
// and holds it until now+ttl; see store.Store.
func (s *Store) Lease(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	switch {
	case name == "":
		return false, incident.Invalid("name", "is required")
	case owner == "":
		return false, incident.Invalid("owner", "is required")
	case ttl <= 0:
		return false, incident.Invalid("ttl", "must be positive")
	}
	now := s.now()
	var held bool
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, err := rowsAffected(tx.ExecContext(ctx, `INSERT INTO leases (name, owner, until) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
			WHERE leases.owner = excluded.owner OR leases.until < ?`,
			name, owner, formatTime(now.Add(ttl)), formatTime(now)))
		if err != nil {
			return fmt.Errorf("take lease %s: %w", name, err)
		}
		held = n == 1
		return nil
	})
	return held, err
}
