package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// resealBenchSubjects is how many plaintext people BenchmarkResealPlaintext
// seals per op.
const resealBenchSubjects = 100_000

// BenchmarkResealPlaintext measures sealing a legacy database's people
// (fakeContact, written in plaintext) with its VACUUM and checkpoint, while
// one sender delivers beside it: rows/s for the reseal, and the slowest
// and 99th percentile of those deliveries, which wait for each batch and
// for the VACUUM. vacuum-ms is one VACUUM of the sealed database alone.
// One op is one whole reseal of resealBenchSubjects rows.
func BenchmarkResealPlaintext(b *testing.B) {
	template := filepath.Join(b.TempDir(), "legacy.db")
	legacy := openSealed(b, template, nil)
	seedContacts(b, legacy, resealBenchSubjects)
	if err := legacy.Close(); err != nil {
		b.Fatal(err)
	}
	for _, batch := range []int{200, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchReseal(b, template, batch) })
	}
}

func benchReseal(b *testing.B, template string, batch int) {
	ctx := context.Background()
	var resealing, vacuuming time.Duration
	var waits []time.Duration
	for range b.N {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "herald.db")
		copyFile(b, template, path)
		s := openSealed(b, path, testKey)
		done := make(chan struct{})
		delivered := make(chan []time.Duration)
		go func() { delivered <- deliverUntil(ctx, b, s, done) }()
		b.StartTimer()
		start := time.Now()
		n, err := s.ResealPlaintext(ctx, batch)
		resealing += time.Since(start)
		b.StopTimer()
		close(done)
		waits = append(waits, <-delivered...)
		if err != nil || n != resealBenchSubjects {
			b.Fatalf("ResealPlaintext = %d, %v; want %d", n, err, resealBenchSubjects)
		}
		start = time.Now()
		if _, err := s.w.Exec(`VACUUM`); err != nil {
			b.Fatal(err)
		}
		vacuuming += time.Since(start)
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*resealBenchSubjects)/resealing.Seconds(), "rows/s")
	b.ReportMetric(float64(vacuuming.Milliseconds())/float64(b.N), "vacuum-ms")
	if len(waits) > 0 {
		slices.Sort(waits)
		b.ReportMetric(float64(waits[len(waits)*99/100].Microseconds())/1000, "p99-delivery-ms")
		b.ReportMetric(float64(waits[len(waits)-1].Microseconds())/1000, "max-delivery-ms")
	}
}

// deliverUntil delivers to u-0, u-1, … one at a time until done closes,
// and returns how long each delivery took.
func deliverUntil(ctx context.Context, b *testing.B, s *Store, done <-chan struct{}) []time.Duration {
	var took []time.Duration
	for i := 0; i < resealBenchSubjects; i++ {
		select {
		case <-done:
			return took
		default:
		}
		start := time.Now()
		if err := deliver(ctx, s, fmt.Sprintf("u-%d", i)); err != nil {
			b.Error(err)
			return took
		}
		took = append(took, time.Since(start))
	}
	return took
}
