package reportpdf_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./templates/reportpdf -update): %v", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file (%d bytes, got %d); run go test ./templates/reportpdf -update and review the diff",
			path, len(want), len(got))
	}
}

// demoReports are the reports Herald owes for the demo incident at
// incidenttest.T0, made by the real classifier and Reporter and read back
// from the store as the API serves them.
func demoReports(t testing.TB) []incident.Report {
	t.Helper()
	return incidenttest.DemoReports(t)
}

// demoReport is the demo's report for regime.
func demoReport(t testing.TB, regime string) incident.Report {
	t.Helper()
	for _, r := range demoReports(t) {
		if r.Regime == regime {
			return r
		}
	}
	t.Fatalf("the demo owes no %s report", regime)
	return incident.Report{}
}
