package reportpdf_test

import (
	"io"
	"testing"

	"github.com/herald-notify/herald/templates/reportpdf"
)

// BenchmarkPDF renders the demo's GDPR initial report (4 pages).
func BenchmarkPDF(b *testing.B) {
	rep := demoReport(b, "GDPR")
	b.ReportAllocs()
	for b.Loop() {
		if err := reportpdf.PDF(io.Discard, rep); err != nil {
			b.Fatal(err)
		}
	}
}
