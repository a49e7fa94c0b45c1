package classify

import (
	"testing"

	"github.com/herald-notify/herald/incident"
)

// BenchmarkDecide measures one decision under the default policy: the
// applier runs it on every event, subject batches included.
func BenchmarkDecide(b *testing.B) {
	f := with(leak)
	seen := incident.Population{Subjects: 100_000, Jurisdictions: map[string]int{"DE": 60_000, "US-CA": 30_000, "BR": 10_000}}
	e := Standard()
	b.ReportAllocs()
	for b.Loop() {
		if d := e.Decide(f, seen); len(d.Obligations) == 0 {
			b.Fatal("no obligations")
		}
	}
}
