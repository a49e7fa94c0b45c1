package sqlite

import (
	"sync"

	"github.com/herald-notify/herald/incident"
)

// incidentCache spares each delivery job decoding its incident's facts and
// decision, by far its most expensive read: a million people share one
// incident. An entry is used only while the stored row is byte for byte
// what it was decoded from, so a changed incident is never served stale.
// Incidents handed out from it are shared: callers must not modify them.
type incidentCache struct {
	mu      sync.Mutex
	entries map[string]cachedIncident
}

type cachedIncident struct {
	row incidentRow
	inc incident.Incident
}

// maxCachedIncidents bounds the cache; incidents being delivered at once
// are few, so when it is full it is simply emptied.
const maxCachedIncidents = 64

// decode returns the incident of row r, decoding it only when the cached
// entry was made from a different row.
func (c *incidentCache) decode(r incidentRow) (incident.Incident, error) {
	c.mu.Lock()
	hit, ok := c.entries[r.id]
	c.mu.Unlock()
	if ok && hit.row == r {
		return hit.inc, nil
	}
	inc, err := r.decode()
	if err != nil {
		return inc, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxCachedIncidents {
		c.entries = map[string]cachedIncident{}
	}
	c.entries[r.id] = cachedIncident{row: r, inc: inc}
	c.mu.Unlock()
	return inc, nil
}
