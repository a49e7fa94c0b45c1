package templates

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
)

// TestGoldenDemoReports pins the JSON (as GET
// /api/v1/incidents/{id}/reports/{version} serves it) and the HTML page of
// every report the demo incident owes at incidenttest.T0. The PDF form's
// goldens are in templates/reportpdf.
func TestGoldenDemoReports(t *testing.T) {
	for _, rep := range demoIncidentReports(t) {
		name := "report/demo-" + strings.ReplaceAll(rep.Regime, " ", "_") + "-" + rep.Phase
		t.Run(name, func(t *testing.T) {
			var js bytes.Buffer
			enc := json.NewEncoder(&js) // as incidentd's writeJSON
			enc.SetIndent("", "  ")
			if err := enc.Encode(rep); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".json", js.String())
			var back incident.Report
			if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.ContentHash != rep.ContentHash || back.Version != rep.Version {
				t.Errorf("served JSON does not read back as the report: %v", err)
			}

			var html bytes.Buffer
			if err := RenderReportHTML(&html, rep); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".html", html.String())
			for _, want := range []string{incidenttest.DemoID, rep.Regime, rep.ContentHash} {
				if !strings.Contains(html.String(), want) {
					t.Errorf("HTML report lacks %q", want)
				}
			}
		})
	}
}

// demoIncidentReports are the reports the real classifier and Reporter
// make for the demo at incidenttest.T0, read back from a real store.
func demoIncidentReports(t *testing.T) []incident.Report {
	t.Helper()
	return incidenttest.DemoReports(t)
}
