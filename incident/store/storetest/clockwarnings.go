package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// testClockWarnings: each (incident, regime, phase, level) is first once,
// also when several callers race for it; the parts of the key are
// independent; a missing incident is not found, an empty part invalid.
func testClockWarnings(t *testing.T, s store.Store) {
	ctx := context.Background()
	seed(t, s, newIncident("INC-1", true))
	seed(t, s, newIncident("INC-2", true))
	mark := func(incidentID, regime, phase, level string, want bool) {
		t.Helper()
		if first, err := s.MarkClockWarning(ctx, incidentID, regime, phase, level); err != nil || first != want {
			t.Errorf("MarkClockWarning(%s, %s, %s, %s) = %v, %v; want %v", incidentID, regime, phase, level, first, err, want)
		}
	}
	mark("INC-1", "GDPR", "initial", incident.ClockWarning50, true)
	mark("INC-1", "GDPR", "initial", incident.ClockWarning50, false)
	mark("INC-1", "GDPR", "initial", incident.ClockWarning80, true)
	mark("INC-1", "GDPR", "follow_up", incident.ClockWarning50, true)
	mark("INC-1", "NIS2", "initial", incident.ClockWarning50, true)
	mark("INC-2", "GDPR", "initial", incident.ClockWarning50, true)
	mark("INC-1", "GDPR", "initial", incident.ClockWarning80, false)

	var firsts atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			first, err := s.MarkClockWarning(ctx, "INC-1", "Brazil LGPD", "communication", incident.ClockLate)
			if err != nil {
				t.Error(err)
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Errorf("8 concurrent marks of one warning: %d were first, want 1", n)
	}

	_, err := s.MarkClockWarning(ctx, "INC-missing", "GDPR", "initial", incident.ClockLate)
	wantCode(t, err, incident.CodeNotFound)
	_, err = s.MarkClockWarning(ctx, "INC-1", "GDPR", "", incident.ClockLate)
	wantCode(t, err, incident.CodeInvalid)
}
