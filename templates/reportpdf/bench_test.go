package reportpdf_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/herald-notify/herald/incident"
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

// BenchmarkRendererPDF renders with DejaVu Sans and Droid Sans Fallback
// embedded: the demo's GDPR report in Latin script (DejaVu regular and
// bold embedded), and the multilingual one (Droid too). pdf-bytes is the
// file's size.
func BenchmarkRendererPDF(b *testing.B) {
	requireFonts(b, dejaVuSans, droidSans)
	r := newRenderer(b, dejaVuSans, droidSans)
	for name, rep := range map[string]incident.Report{"latin": demoReport(b, "GDPR"), "multilingual": multilingualReport(b)} {
		b.Run(name, func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := r.PDF(&buf, rep); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "pdf-bytes")
		})
	}
}

// BenchmarkNewRenderer loads and checks the two fonts (once per process).
func BenchmarkNewRenderer(b *testing.B) {
	requireFonts(b, dejaVuSans, droidSans)
	for b.Loop() {
		newRenderer(b, dejaVuSans, droidSans)
	}
}
