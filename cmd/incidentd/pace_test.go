package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/store"
)

// At 10 people a second, 1,000 people still waiting are told in 100 s.
func TestPaceEstimatesWhenEveryoneIsTold(t *testing.T) {
	st := incidenttest.OpenStore(t)
	subjects := make([]incident.Subject, 1000)
	for i := range subjects {
		subjects[i] = incident.Subject{ID: fmt.Sprintf("p-%d", i)}
	}
	_, err := st.ApplyEvent(context.Background(), "e1", "INC-1", incident.TypeOpened, func(tx store.Tx) error {
		if err := tx.PutIncident(incident.Incident{ID: "INC-1", Status: incident.StatusOpen}); err != nil {
			return err
		}
		_, err := tx.AddSubjects("INC-1", subjects)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	clock := incidenttest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	p := newPace(st)
	p.now = clock.Now
	if by := p.finishBy("INC-1"); !by.IsZero() {
		t.Errorf("finishBy with no rate yet = %v, want unknown", by)
	}
	for range 100 { // 100 people finished over 10 s elsewhere: 10/s
		p.finished("INC-1")
	}
	clock.Advance(10 * time.Second)
	if by := p.finishBy("INC-1"); !by.IsZero() {
		t.Errorf("finishBy within the refresh interval = %v, want the cached unknown", by)
	}
	clock.Advance(paceRefresh)
	// The window now spans 40 s for 100 people: 2.5/s, 1,000 waiting -> 400 s.
	want := clock.Now().Add(400 * time.Second)
	if by := p.finishBy("INC-1"); by.Sub(want).Abs() > time.Second {
		t.Errorf("finishBy = %v, want about %v", by, want)
	}
}
