package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/notifier/notice/feed"
)

// The feed and the CSAF document are served beside the pages, with every
// revision, hostile incident text kept as text, and nothing that runs.
func TestNoticeFeedAndCSAFRoutes(t *testing.T) {
	p := incidenttest.NewPipeline(t, incidenttest.T0)
	p.Apply(t, incidenttest.DemoEvent(t))
	facts := incidenttest.DemoFacts(t)
	for _, title := range []string{`First <script>alert("x")</script>`, "Second & title"} {
		facts.Title = title
		if _, err := p.Store.SaveNotice(t.Context(), incident.Notice{IncidentID: incidenttest.DemoID, Title: title,
			Reason: "individual contact is not practical", Facts: facts}); err != nil {
			t.Fatal(err)
		}
	}
	api := &httpAPI{store: p.Store, log: zap.NewNop(), metrics: newMetrics(), publicURL: "https://notices.example.com"}
	srv := httptest.NewServer(api.routes())
	t.Cleanup(srv.Close)

	body, h := get(t, srv.URL+"/notices/feed.atom", http.StatusOK)
	var atom struct {
		Entries []struct {
			Title string `xml:"title"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &atom); err != nil || len(atom.Entries) != 2 || atom.Entries[1].Title != `First <script>alert("x")</script> (revision 1)` {
		t.Errorf("feed: %v %+v", err, atom)
	}
	if h.Get("Content-Type") != feed.ContentType || strings.Contains(string(body), "<script>") {
		t.Errorf("feed served as %q, or with markup unescaped", h.Get("Content-Type"))
	}

	body, h = get(t, srv.URL+"/notices/"+incidenttest.DemoID+".csaf.json", http.StatusOK)
	var doc struct {
		Document struct {
			Tracking struct {
				ID, Version string
			}
			Title string
		}
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Document.Tracking.ID != incidenttest.DemoID ||
		doc.Document.Tracking.Version != "2" {
		t.Errorf("csaf: %v %+v", err, doc.Document)
	}
	if h.Get("Content-Type") != "application/json" || strings.Contains(string(body), "<script>") {
		t.Errorf("csaf served as %q, or with markup unescaped", h.Get("Content-Type"))
	}
	get(t, srv.URL+"/notices/INC-NONE.csaf.json", http.StatusNotFound)
}

func get(t *testing.T, url string, status int) ([]byte, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("GET %s: HTTP %d, want %d\n%s", url, resp.StatusCode, status, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); status == http.StatusOK && !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("GET %s: CSP %q", url, csp)
	}
	return body, resp.Header
}

// A regulator report is also served as a PDF.
func TestReportPDFRoute(t *testing.T) {
	p := incidenttest.NewPipeline(t, incidenttest.T0)
	p.Apply(t, incidenttest.DemoEvent(t))
	rep, err := p.Store.SaveReport(t.Context(), incident.Report{IncidentID: incidenttest.DemoID, Regime: "GDPR",
		Authority: "lead supervisory authority (DE)", Phase: "initial", Fields: map[string]any{"nature": "a test"}})
	if err != nil {
		t.Fatal(err)
	}
	api := &httpAPI{store: p.Store, log: zap.NewNop(), metrics: newMetrics(), publicURL: "https://notices.example.com"}
	srv := httptest.NewServer(api.routes())
	t.Cleanup(srv.Close)
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/incidents/%s/reports/%d/pdf", srv.URL, incidenttest.DemoID, rep.Version))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(body), "%PDF-") {
		t.Errorf("HTTP %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	resp, err = http.Get(srv.URL + "/api/v1/incidents/" + incidenttest.DemoID + "/reports/99/pdf")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown report version: HTTP %d, want 404", resp.StatusCode)
		}
	}
}
