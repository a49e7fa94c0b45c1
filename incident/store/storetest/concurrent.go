package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// testConcurrentWriters has several goroutines apply events and record
// deliveries while others read; no call may fail (e.g. on a busy database).
func testConcurrentWriters(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seed(t, s, newIncident("INC-1", true))
	const writers, events, batch = 4, 5, 10

	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			readUntilDone(ctx, t, s)
		}()
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range events {
				if err := writeBatch(s, fmt.Sprintf("w%d-%d", w, e), batch); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	cancel()
	readers.Wait()

	p := progress(t, s, "INC-1")
	if p.Subjects != writers*events*batch || p.Sent != writers*events {
		t.Errorf("progress = %+v; want %d subjects, %d sent", p, writers*events*batch, writers*events)
	}
}

// writeBatch adds a batch of subjects and delivers to its first one.
func writeBatch(s store.Store, prefix string, n int) error {
	ctx := context.Background()
	subs := subjects(prefix, n)
	_, err := s.ApplyEvent(ctx, "ev-"+prefix, "INC-1", incident.TypeSubjects, func(tx store.Tx) error {
		_, err := tx.AddSubjects("INC-1", subs)
		return err
	})
	if err != nil {
		return err
	}
	a := store.Attempt{IncidentID: "INC-1", SubjectID: subs[0].ID, Channel: "email"}
	if ok, err := s.ClaimAttempt(ctx, a); err != nil || !ok {
		return fmt.Errorf("claim: %v, %w", ok, err)
	}
	a.Status = incident.AttemptSent
	if err := s.FinishAttempt(ctx, a); err != nil {
		return err
	}
	return s.SetOutcome(ctx, "INC-1", a.SubjectID, incident.OutcomeSent, "email")
}

func readUntilDone(ctx context.Context, t *testing.T, s store.Store) {
	for ctx.Err() == nil {
		bg := context.Background() // finish each read; stop between reads
		if _, err := s.Progress(bg, "INC-1"); err != nil {
			t.Errorf("Progress: %v", err)
			return
		}
		if _, err := s.ToQueue(bg, 50); err != nil {
			t.Errorf("ToQueue: %v", err)
			return
		}
	}
}
