package sqlite

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// deliveryWorkers is incidentd's default number of concurrent deliveries.
const deliveryWorkers = 64

// seedSubjects opens INC-1 (notifying) with n subjects u-0 … u-(n-1),
// each with one email address.
func seedSubjects(tb testing.TB, s *Store, n int) {
	tb.Helper()
	seedPeople(tb, s, n, func(id string) incident.Subject { return incident.Subject{ID: id, Email: "x@example.com"} })
}

// seedPeople opens INC-1 (notifying) with n subjects u-0 … u-(n-1), as
// person makes them from their id, imported in batches of 1,000.
func seedPeople(tb testing.TB, s *Store, n int, person func(id string) incident.Subject) {
	tb.Helper()
	ctx := context.Background()
	inc := incident.Incident{ID: "INC-1", Status: incident.StatusOpen,
		Decision: incident.Decision{IncidentID: "INC-1", NotifySubjects: true}}
	if _, err := s.ApplyEvent(ctx, "open", inc.ID, incident.TypeOpened, func(tx store.Tx) error {
		return tx.PutIncident(inc)
	}); err != nil {
		tb.Fatal(err)
	}
	const batch = 1000
	for from := 0; from < n; from += batch {
		subs := make([]incident.Subject, min(batch, n-from))
		for k := range subs {
			subs[k] = person(fmt.Sprintf("u-%d", from+k))
		}
		if _, err := s.ApplyEvent(ctx, fmt.Sprintf("ev-%d", from), inc.ID, incident.TypeSubjects,
			func(tx store.Tx) error { _, err := tx.AddSubjects(inc.ID, subs); return err }); err != nil {
			tb.Fatal(err)
		}
	}
}

// deliver records one delivery's ledger writes as the dispatcher does: claim,
// result, outcome.
func deliver(ctx context.Context, s *Store, subjectID string) error {
	a := store.Attempt{IncidentID: "INC-1", SubjectID: subjectID, Channel: incident.ChannelEmail,
		Provider: "smtp", Tries: 1}
	ok, err := s.ClaimAttempt(ctx, a)
	if err != nil || !ok {
		return fmt.Errorf("claim %s: %v, %w", subjectID, ok, err)
	}
	a.Status, a.ProviderID = incident.AttemptSent, "msg-"+subjectID
	if err := s.FinishAttempt(ctx, a); err != nil {
		return err
	}
	return s.SetOutcome(ctx, "INC-1", subjectID, incident.OutcomeSent, incident.ChannelEmail)
}

// BenchmarkLedgerDelivery measures the ledger writes of deliveries to
// distinct subjects by deliveryWorkers concurrent senders. One op is one
// delivery (three writes).
func BenchmarkLedgerDelivery(b *testing.B) { benchStores(b, benchLedgerDelivery) }

func benchLedgerDelivery(b *testing.B, s *Store) {
	seedSubjects(b, s, b.N)
	var next atomic.Int64
	b.SetParallelism(max(1, deliveryWorkers/runtime.GOMAXPROCS(0)))
	batches, writes := s.batch.stats.batches.Load(), s.batch.stats.writes.Load()
	b.ResetTimer()
	cpu := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			id := fmt.Sprintf("u-%d", next.Add(1)-1)
			if err := deliver(ctx, s, id); err != nil {
				b.Error(err)
				return
			}
		}
	})
	if used := processCPU() - cpu; used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
	if n := s.batch.stats.batches.Load() - batches; n > 0 {
		b.ReportMetric(float64(s.batch.stats.writes.Load()-writes)/float64(n), "writes/batch")
	}
}
