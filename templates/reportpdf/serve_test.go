package reportpdf_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/templates/reportpdf"
)

// TestServe: a real HTTP round trip gives the same bytes as PDF, as an
// inline PDF named after the report.
func TestServe(t *testing.T) {
	rep := demoReport(t, "GDPR")
	body := served(t, reportpdf.Serve, rep)
	if !bytes.Equal(body, render(t, rep)) {
		t.Error("served bytes differ from PDF's")
	}
	checkWellFormed(t, body)
}

// served runs serve behind a real HTTP server, checks the answer is an
// inline PDF named after the demo GDPR report, and returns its bytes.
func served(t *testing.T, serve func(http.ResponseWriter, incident.Report) error, rep incident.Report) []byte {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if err := serve(w, rep); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" ||
		res.Header.Get("Content-Disposition") != `inline; filename="INC-DEMO-0001-GDPR-initial-v1.pdf"` {
		t.Errorf("status %d, headers %v", res.StatusCode, res.Header)
	}
	return body
}
