package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/herald-notify/herald/incident"
)

// incidentCache spares each delivery job reading and decoding its
// incident's facts and decision, by far its most expensive part: a million
// people share one incident. An entry serves only the revision it was read
// at (every PutIncident bumps incidents.revision), so a changed incident is
// never served stale. Incidents handed out from it are shared: callers
// must not modify them.
type incidentCache struct {
	mu      sync.Mutex
	entries map[string]cachedIncident
}

type cachedIncident struct {
	revision int64
	inc      incident.Incident
}

// maxCachedIncidents bounds the cache; incidents being delivered at once
// are few, so when it is full it is simply emptied.
const maxCachedIncidents = 64

// get returns incident id as of revision, reading it through q on a miss.
// A read that finds a newer revision is still correct to return: it is
// what the store holds now.
func (c *incidentCache) get(ctx context.Context, q querier, id string, revision int64) (incident.Incident, error) {
	c.mu.Lock()
	hit, ok := c.entries[id]
	c.mu.Unlock()
	if ok && hit.revision >= revision {
		return hit.inc, nil
	}
	var r incidentRow
	var current int64
	err := q.QueryRowContext(ctx, `SELECT `+incidentColumns+`, revision FROM incidents WHERE id = ?`, id).
		Scan(&r.id, &r.status, &r.facts, &r.decision, &r.opened, &r.updated, &current)
	if err != nil {
		return incident.Incident{}, incidentReadError(id, err)
	}
	inc, err := r.decode()
	if err != nil {
		return inc, incidentReadError(id, err)
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxCachedIncidents {
		c.entries = map[string]cachedIncident{}
	}
	if cur, ok := c.entries[id]; !ok || cur.revision < current {
		c.entries[id] = cachedIncident{revision: current, inc: inc}
	}
	c.mu.Unlock()
	return inc, nil
}

func incidentReadError(id string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return incidentNotFound(id)
	}
	return fmt.Errorf("get incident %s: %w", id, err)
}
