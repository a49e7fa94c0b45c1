package main

import (
	"context"
	"sync"
	"time"

	"github.com/herald-notify/herald/incident/store"
)

// pace measures how fast each incident's people are being told, so the
// notice decision can see whether those still waiting would be told after
// the deadline (policy public_notice.deadline_at_risk).
type pace struct {
	store store.Store
	now   func() time.Time

	mu        sync.Mutex
	windows   map[string]*paceWindow
	estimates map[string]paceEstimate
}

// paceWindow counts the people finished since start; it restarts once it
// is older than paceWindowSpan, so the rate stays recent.
type paceWindow struct {
	start    time.Time
	finished int
}

type paceEstimate struct {
	at, finishBy time.Time
}

const (
	paceWindowSpan = 2 * time.Minute
	// paceMinSample is how much a window must hold before its rate means
	// anything: a few people in the first seconds say little.
	paceMinSample = 5 * time.Second
	paceMinCount  = 20
	// paceRefresh bounds how often the people still waiting are counted:
	// with a million of them, counting is the expensive part.
	paceRefresh = 30 * time.Second
)

func newPace(st store.Store) *pace {
	return &pace{store: st, now: time.Now, windows: map[string]*paceWindow{}, estimates: map[string]paceEstimate{}}
}

// finished hears of one person's final outcome.
func (p *pace) finished(incidentID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	w := p.windows[incidentID]
	if w == nil || now.Sub(w.start) > paceWindowSpan {
		w = &paceWindow{start: now}
		p.windows[incidentID] = w
	}
	w.finished++
}

// rate is people told per second lately, or 0 when not yet measurable.
func (p *pace) rate(incidentID string) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.windows[incidentID]
	if w == nil {
		return 0
	}
	span := p.now().Sub(w.start)
	if span < paceMinSample || w.finished < paceMinCount {
		return 0
	}
	return float64(w.finished) / span.Seconds()
}

// finishBy estimates when everyone still waiting will have been told;
// zero when it cannot be estimated or nobody is waiting.
func (p *pace) finishBy(incidentID string) time.Time {
	now := p.now()
	p.mu.Lock()
	if e, ok := p.estimates[incidentID]; ok && now.Sub(e.at) < paceRefresh {
		p.mu.Unlock()
		return e.finishBy
	}
	p.mu.Unlock()
	var by time.Time
	if r := p.rate(incidentID); r > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		pr, err := p.store.Progress(ctx, incidentID)
		cancel()
		if err == nil && pr.Pending > 0 {
			by = now.Add(time.Duration(float64(pr.Pending) / r * float64(time.Second)))
		}
	}
	p.mu.Lock()
	p.estimates[incidentID] = paceEstimate{at: now, finishBy: by}
	p.mu.Unlock()
	return by
}
