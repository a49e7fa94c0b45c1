package csaf_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	gocsaf "github.com/gocsaf/csaf/v3/csaf"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/notifier/notice"
	"github.com/herald-notify/herald/notifier/notice/csaf"
)

func TestDemoNoticeIsValidCSAF(t *testing.T) {
	cases := []struct {
		name          string
		steps         func(*testing.T, *pipeline)
		version       string
		status        string
		lastRevSuffix string
	}{
		{"one revision", func(*testing.T, *pipeline) {}, "1", "interim", "Initial publication."},
		{"two revisions", func(t *testing.T, p *pipeline) { p.revise(t) }, "2", "interim", "Updated: measures."},
		{"closed", func(t *testing.T, p *pipeline) {
			p.revise(t)
			p.Clock.Advance(24 * time.Hour)
			p.close(t)
			p.publish(t)
		}, "3", "final", "The incident is closed."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newPipeline(t)
			tc.steps(t, p)
			revs := p.revisions(t)
			raw, err := csaf.Document(revs, testPublisher, noticeURL)
			if err != nil {
				t.Fatalf("Document: %v", err)
			}
			doc := validate(t, raw)
			d := obj(doc, "document")
			tr := obj(d, "tracking")
			if str(d, "category") != "csaf_security_incident_response" || str(d, "csaf_version") != "2.0" || str(d, "lang") != "en" {
				t.Errorf("category %q, csaf_version %q, lang %q", str(d, "category"), str(d, "csaf_version"), str(d, "lang"))
			}
			if str(tr, "id") != incidenttest.DemoID || str(tr, "version") != tc.version || str(tr, "status") != tc.status {
				t.Errorf("tracking id %q version %q status %q, want %s %s %s",
					str(tr, "id"), str(tr, "version"), str(tr, "status"), incidenttest.DemoID, tc.version, tc.status)
			}
			hist := list(tr, "revision_history")
			if got := str(hist[len(hist)-1], "summary"); got != tc.lastRevSuffix {
				t.Errorf("latest revision summary %q, want %q", got, tc.lastRevSuffix)
			}
			again, err := csaf.Document(revs, testPublisher, noticeURL)
			if err != nil || !bytes.Equal(raw, again) {
				t.Errorf("a second rendering differs (err %v): the document must be stable", err)
			}
		})
	}
}

func TestDemoNotesAndReferences(t *testing.T) {
	p := newPipeline(t)
	raw, err := csaf.Document(p.revisions(t), testPublisher, noticeURL)
	if err != nil {
		t.Fatal(err)
	}
	doc := validate(t, raw)
	d := obj(doc, "document")
	facts := incidenttest.DemoFacts(t)
	text := notesText(doc)
	want := slices.Concat([]string{facts.Summary, "Type of incident: personal data breach.",
		"Started: 22 November 2026, 22:10 UTC.", "Detected: 23 November 2026, 06:20 UTC.",
		"An unauthorised person obtained a copy of some of your information.", "Login details", "Contact details",
		"Names and other details", "contact privacy@example.com and quote the reference " + incidenttest.DemoID,
		"published only on our own website, at " + noticeURL},
		facts.Measures.Taken, facts.Measures.Planned, facts.Advice, facts.Remediation)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("notes lack %q", w)
		}
	}
	if got := str(d, "title"); got != facts.Title {
		t.Errorf("title %q, want %q", got, facts.Title)
	}
	pub := obj(d, "publisher")
	if str(pub, "name") != "Example Shop GmbH" || str(pub, "contact_details") != "privacy@example.com" ||
		str(pub, "namespace") != testPublisher.Namespace || str(pub, "category") != "other" {
		t.Errorf("publisher %v: want the controller's name and contact point, the given namespace, category other", pub)
	}
	refs := list(d, "references")
	if len(refs) != 1 || str(refs[0], "url") != noticeURL || str(refs[0], "category") != "external" {
		t.Errorf("references %v, want the notice page as external reference", refs)
	}
	if label := str(obj(obj(d, "distribution"), "tlp"), "label"); label != "WHITE" {
		t.Errorf("tlp label %q, want WHITE for a public notice", label)
	}
}

func TestRevisionHistory(t *testing.T) {
	p := newPipeline(t)
	p.revise(t)
	revs := p.revisions(t)
	if len(revs) != 2 {
		t.Fatalf("store holds %d revisions, want 2", len(revs))
	}
	raw, err := csaf.Document(revs, testPublisher, noticeURL)
	if err != nil {
		t.Fatal(err)
	}
	tr := obj(obj(validate(t, raw), "document"), "tracking")
	hist := list(tr, "revision_history")
	if len(hist) != 2 || str(tr, "version") != "2" {
		t.Fatalf("%d history entries, version %q; want 2 and \"2\"", len(hist), str(tr, "version"))
	}
	for i, h := range hist {
		if at := parseTime(t, str(h, "date")); !at.Equal(revs[i].UpdatedAt) || str(h, "number") != []string{"1", "2"}[i] {
			t.Errorf("entry %d: number %q date %s, want %d at %s", i, str(h, "number"), at, i+1, revs[i].UpdatedAt)
		}
	}
	if at := parseTime(t, str(tr, "current_release_date")); !at.Equal(revs[1].UpdatedAt) {
		t.Errorf("current_release_date %s, want the latest revision's %s", at, revs[1].UpdatedAt)
	}
	if at := parseTime(t, str(tr, "initial_release_date")); !at.Equal(revs[0].PublishedAt) || !at.Before(revs[1].UpdatedAt) {
		t.Errorf("initial_release_date %s, want the first publication %s", at, revs[0].PublishedAt)
	}
}

func TestHostileTextRoundTrips(t *testing.T) {
	hostile := "<script>alert(1)</script> \"quoted\" back\\slash\nnew line\u2028line separator\u2029 & \x07bell"
	f := incidenttest.DemoFacts(t)
	f.Title, f.Summary = hostile, hostile
	f.Advice = []string{hostile}
	f.Controller.Name = hostile
	revs := []incident.Notice{{IncidentID: f.IncidentID, Revision: 1, Title: hostile,
		PublishedAt: incidenttest.T0, UpdatedAt: incidenttest.T0, Facts: f}}
	raw, err := csaf.Document(revs, testPublisher, noticeURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "</script", "\u2028", "\u2029", "\x07", "& "} {
		if bytes.Contains(raw, []byte(bad)) {
			t.Errorf("raw document holds %q unescaped", bad)
		}
	}
	doc := validate(t, raw)
	d := obj(doc, "document")
	notes := list(d, "notes")
	if str(d, "title") != hostile || str(notes[0], "text") != hostile || str(obj(d, "publisher"), "name") != hostile {
		t.Errorf("title %q, summary %q, publisher %q: want each back unchanged", str(d, "title"), str(notes[0], "text"), str(obj(d, "publisher"), "name"))
	}
	if !strings.Contains(notesText(doc), "- "+hostile) {
		t.Error("the hostile advice did not round-trip unchanged")
	}
}

func TestNoPersonalData(t *testing.T) {
	const email, phone = "alice.subject@example.net", "+49 170 5550123"
	personal := email + " " + phone
	f := incidenttest.DemoFacts(t)
	// Personal data in every field that the public facts leave out.
	f.RootCause, f.FinalMeasures = "reported by "+personal, []string{"called " + personal}
	f.Scope.Jurisdictions[personal] = 1
	f.Data.DPCAdjustments = append(f.Data.DPCAdjustments, incident.DPCAdjustment{Delta: 1, Reason: personal})
	f.Vulnerability = &incident.Vulnerability{CVE: personal}
	f.Entity.HIPAA = personal
	revs := []incident.Notice{{IncidentID: f.IncidentID, Revision: 1, Reason: personal, Title: f.Title,
		PublishedAt: incidenttest.T0, UpdatedAt: incidenttest.T0, Facts: f}}
	raw, err := csaf.Document(revs, testPublisher, noticeURL)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, raw)
	for _, s := range []string{email, phone, "5550123"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("document holds %q, kept out of the public facts", s)
		}
	}
	// The check can see an address: the public contact point is there.
	if !bytes.Contains(raw, []byte("privacy@example.com")) {
		t.Error("the controller's public contact point is missing")
	}
	// Same bytes as from the facts the publisher stores.
	revs[0].Facts, revs[0].Reason = notice.PublicFacts(f), ""
	public, err := csaf.Document(revs, testPublisher, noticeURL)
	if err != nil || !bytes.Equal(raw, public) {
		t.Errorf("document from full facts differs from the one from public facts (err %v)", err)
	}
}

func TestSparseFactsStillValid(t *testing.T) {
	revs := []incident.Notice{{IncidentID: "INC-2", Revision: 1, PublishedAt: incidenttest.T0, UpdatedAt: incidenttest.T0,
		Facts: incident.Facts{IncidentID: "INC-2"}}}
	raw, err := csaf.Document(revs, csaf.Publisher{Name: "Herald", Namespace: "https://herald.example.org"}, noticeURL)
	if err != nil {
		t.Fatal(err)
	}
	doc := validate(t, raw)
	if got := str(obj(doc, "document"), "title"); got != "Security incident INC-2" {
		t.Errorf("title %q", got)
	}
	if !strings.Contains(notesText(doc), "still investigating which information") {
		t.Error("notes do not say the investigation goes on")
	}
}

func TestRejectsInconsistentInput(t *testing.T) {
	t1 := incidenttest.T0
	t2 := t1.Add(time.Hour)
	n := func(id string, rev int, at time.Time) incident.Notice {
		return incident.Notice{IncidentID: id, Revision: rev, PublishedAt: t1, UpdatedAt: at,
			Facts: incident.Facts{IncidentID: id, Controller: &incident.Controller{Name: "Example Shop GmbH"}}}
	}
	ok := csaf.Publisher{Namespace: "https://herald.example.org"}
	cases := []struct {
		name  string
		revs  []incident.Notice
		pub   csaf.Publisher
		url   string
		field string
	}{
		{"no revisions", nil, ok, noticeURL, "revisions"},
		{"two incidents", []incident.Notice{n("A", 1, t1), n("B", 2, t2)}, ok, noticeURL, "revisions[1].incident_id"},
		{"gap", []incident.Notice{n("A", 1, t1), n("A", 3, t2)}, ok, noticeURL, "revisions[1].revision"},
		{"newest first", []incident.Notice{n("A", 2, t2), n("A", 1, t1)}, ok, noticeURL, "revisions[0].revision"},
		{"date goes back", []incident.Notice{n("A", 1, t2), n("A", 2, t1)}, ok, noticeURL, "revisions[1].updated_at"},
		{"no date", []incident.Notice{n("A", 1, time.Time{})}, ok, noticeURL, "revisions[0].updated_at"},
		{"id with line break", []incident.Notice{n("A\nB", 1, t1)}, ok, noticeURL, "revisions[0].incident_id"},
		{"relative notice url", []incident.Notice{n("A", 1, t1)}, ok, "/notices/A", "notice url"},
		{"no namespace", []incident.Notice{n("A", 1, t1)}, csaf.Publisher{}, noticeURL, "publisher.namespace"},
		{"no publisher name", []incident.Notice{{IncidentID: "A", Revision: 1, UpdatedAt: t1}}, ok, noticeURL, "publisher.name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := csaf.Document(tc.revs, tc.pub, tc.url)
			if err == nil || !strings.HasPrefix(err.Error(), tc.field+":") {
				t.Errorf("err %v, want one naming %s", err, tc.field)
			}
		})
	}
}

// TestCheckersCatchFaults guards against a vacuous validation: each broken
// document must be flagged by the check meant to catch it.
func TestCheckersCatchFaults(t *testing.T) {
	p := newPipeline(t)
	p.revise(t)
	raw, err := csaf.Document(p.revisions(t), testPublisher, noticeURL)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, test string
		breakDoc   func(d, tr map[string]any)
	}{
		{"notes only of category other", "6.1.27.1", func(d, _ map[string]any) {
			d["notes"] = []any{map[string]any{"category": "other", "text": "x"}}
		}},
		{"reference to self only", "6.1.27.2", func(d, _ map[string]any) {
			d["references"] = []any{map[string]any{"category": "self", "summary": "x", "url": noticeURL}}
		}},
		{"version behind history", "6.1.16", func(_, tr map[string]any) { tr["version"] = "1" }},
		{"history out of date order", "6.1.14", func(_, tr map[string]any) {
			h := tr["revision_history"].([]any)
			h[0].(map[string]any)["date"], h[1].(map[string]any)["date"] = h[1].(map[string]any)["date"], h[0].(map[string]any)["date"]
		}},
		{"repeated number", "6.1.22", func(_, tr map[string]any) {
			tr["revision_history"].([]any)[1].(map[string]any)["number"] = "1"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			d := obj(doc, "document")
			tc.breakDoc(d, obj(d, "tracking"))
			if !slices.ContainsFunc(mandatoryFailures(doc), func(f string) bool { return strings.HasPrefix(f, tc.test+":") }) {
				t.Errorf("mandatory test %s did not flag it: %v", tc.test, mandatoryFailures(doc))
			}
		})
	}
	t.Run("schema", func(t *testing.T) {
		var doc map[string]any
		_ = json.Unmarshal(raw, &doc)
		tr := obj(obj(doc, "document"), "tracking")
		delete(tr, "id")
		tr["status"] = "published"
		errs, err := gocsaf.ValidateCSAF(doc)
		if err != nil || len(errs) == 0 {
			t.Errorf("schema validation passed a document without tracking id and with a bad status (err %v)", err)
		}
	})
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return at
}

// BenchmarkDocument renders the demo notice with ten revisions.
func BenchmarkDocument(b *testing.B) {
	f := incidenttest.DemoFacts(b)
	revs := make([]incident.Notice, 10)
	for i := range revs {
		at := incidenttest.T0.Add(time.Duration(i) * time.Hour)
		revs[i] = incident.Notice{IncidentID: f.IncidentID, Revision: i + 1, Title: f.Title,
			PublishedAt: incidenttest.T0, UpdatedAt: at, Facts: f}
	}
	for b.Loop() {
		if _, err := csaf.Document(revs, testPublisher, noticeURL); err != nil {
			b.Fatal(err)
		}
	}
}
