package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// deliveryJobSubjects is how many people BenchmarkDeliveryJob reads in turn:
// enough that its reads are not all of one page.
const deliveryJobSubjects = 10_000

// BenchmarkDeliveryJob measures Delivery, the read each delivery job makes
// first (incident, subject with its contacts, ledger rows), by
// deliveryWorkers concurrent senders. One op is one Delivery.
func BenchmarkDeliveryJob(b *testing.B) { benchStores(b, benchDeliveryJob) }

func benchDeliveryJob(b *testing.B, s *Store) {
	seedContacts(b, s, deliveryJobSubjects)
	var next atomic.Int64
	b.SetParallelism(max(1, deliveryWorkers/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			id := fmt.Sprintf("u-%d", (next.Add(1)-1)%deliveryJobSubjects)
			d, err := s.Delivery(ctx, store.DeliveryKey{IncidentID: "INC-1", SubjectID: id})
			if err != nil || d.Subject.ID != id || d.Subject.Email == "" {
				b.Errorf("Delivery(%s) = %v, %v", id, d.Subject, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}

// benchStores runs bench on a store without a data key ("plain") and on
// one with a key ("sealed"), to show what sealing subjects costs.
func benchStores(b *testing.B, bench func(*testing.B, *Store)) {
	for _, c := range []struct {
		name string
		key  []byte
	}{{"plain", nil}, {"sealed", testKey}} {
		b.Run(c.name, func(b *testing.B) {
			bench(b, openSealed(b, filepath.Join(b.TempDir(), "herald.db"), c.key))
		})
	}
}

// seedContacts opens INC-1 (notifying) with n subjects u-0 … u-(n-1),
// each with every contact field filled as an import would.
func seedContacts(tb testing.TB, s *Store, n int) {
	tb.Helper()
	seedPeople(tb, s, n, fakeContact)
}

// fakeContact is a subject with every contact field set, each value
// derived from id so that a test can look for it.
func fakeContact(id string) incident.Subject {
	return incident.Subject{ID: id, Name: "Name " + id, Locale: "en", Jurisdiction: "DE",
		Email: id + "@example.com", Phone: "+49151" + id, PushTokens: []string{"tok-" + id},
		Channels: []string{incident.ChannelEmail, incident.ChannelSMS}}
}
