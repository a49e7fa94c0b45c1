package csaf_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	gocsaf "github.com/gocsaf/csaf/v3/csaf"
	"golang.org/x/text/language"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/notifier/notice"
	"github.com/herald-notify/herald/notifier/notice/csaf"
)

const noticeURL = "https://herald.example.org/notices/" + incidenttest.DemoID

// testPublisher leaves name and contact to the controller in the facts.
var testPublisher = csaf.Publisher{Namespace: "https://herald.example.org"}

// pipeline is the demo incident in a real SQLite store, changed through
// the real applier, with the real notice publisher on the same clock.
type pipeline struct {
	*incidenttest.Pipeline
	pub *notice.Publisher
	seq int
}

func newPipeline(t *testing.T) *pipeline {
	t.Helper()
	base := incidenttest.NewPipeline(t, incidenttest.T0)
	p := &pipeline{Pipeline: base, pub: &notice.Publisher{Store: base.Store, Now: base.Clock.Now}}
	p.Apply(t, incidenttest.DemoEvent(t))
	// Individual contact not practical: the demo needs a public notice.
	p.update(t, map[string]any{"contact": map[string]any{"individual_contact_practical": false}})
	p.publish(t)
	return p
}

// update applies a merge patch to the demo's facts.
func (p *pipeline) update(t *testing.T, patch map[string]any) {
	t.Helper()
	p.send(t, incident.TypeUpdated, patch)
}

func (p *pipeline) close(t *testing.T) {
	t.Helper()
	p.send(t, incident.TypeClosed, map[string]any{"root_cause": "stolen support session token"})
}

func (p *pipeline) send(t *testing.T, typ string, data map[string]any) {
	t.Helper()
	p.seq++
	data["incident_id"] = incidenttest.DemoID
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	p.Apply(t, incident.Event{SpecVersion: "1.0", ID: fmt.Sprintf("evt-csaf-%d", p.seq), Source: "urn:test",
		Type: typ, Subject: incidenttest.DemoID, Data: b})
}

// publish asks the publisher for a new revision, which must come.
func (p *pipeline) publish(t *testing.T) {
	t.Helper()
	published, err := p.pub.Ensure(context.Background(), incidenttest.DemoID)
	if err != nil || !published {
		t.Fatalf("ensure notice: published %v, err %v", published, err)
	}
}

// revise moves the clock, changes the measures and publishes revision 2.
func (p *pipeline) revise(t *testing.T) {
	t.Helper()
	p.Clock.Advance(3 * time.Hour)
	p.update(t, map[string]any{"measures": map[string]any{"taken": []string{
		"Revoked every support-agent session and the stolen access token",
		"Replaced SHA-1 password hashes with Argon2id"}}})
	p.publish(t)
}

func (p *pipeline) revisions(t *testing.T) []incident.Notice {
	t.Helper()
	revs, err := p.Store.NoticeRevisions(context.Background(), incidenttest.DemoID)
	if err != nil {
		t.Fatalf("notice revisions: %v", err)
	}
	return revs
}

// validate checks a document as a CSAF consumer would, and returns it
// decoded: the CSAF 2.0 JSON schema (gocsaf ValidateCSAF), gocsaf's typed
// model (strict decode, Advisory.Validate), and the mandatory tests that
// gocsaf leaves to a remote validator service, implemented here.
func validate(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("document is not JSON: %v", err)
	}
	errs, err := gocsaf.ValidateCSAF(doc)
	if err != nil {
		t.Fatalf("run CSAF schema validation: %v", err)
	}
	for _, e := range errs {
		t.Errorf("CSAF 2.0 schema: %s", e)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var adv gocsaf.Advisory
	if err := dec.Decode(&adv); err != nil {
		t.Errorf("decode into gocsaf Advisory: %v", err)
	} else if err := adv.Validate(); err != nil {
		t.Errorf("gocsaf Advisory.Validate: %v", err)
	}
	for _, f := range mandatoryFailures(doc) {
		t.Errorf("mandatory test %s", f)
	}
	return doc
}

// mandatoryFailures runs the CSAF 2.0 mandatory tests (§6.1) that apply to
// a document without products or vulnerabilities, and the two tests of the
// profile csaf_security_incident_response (§6.1.27.1, §6.1.27.2).
func mandatoryFailures(doc map[string]any) []string {
	d := obj(doc, "document")
	tr := obj(d, "tracking")
	var out []string
	fail := func(test, format string, args ...any) { out = append(out, test+": "+fmt.Sprintf(format, args...)) }

	if !slices.ContainsFunc(list(d, "notes"), func(n any) bool {
		return slices.Contains([]string{"description", "details", "general", "summary"}, str(n, "category"))
	}) {
		fail("6.1.27.1", "no note of category description, details, general or summary")
	}
	if !slices.ContainsFunc(list(d, "references"), func(r any) bool { return str(r, "category") == "external" }) {
		fail("6.1.27.2", "no reference of category external")
	}
	if _, err := language.Parse(str(d, "lang")); err != nil {
		fail("6.1.12", "lang %q: %v", str(d, "lang"), err)
	}
	if str(obj(d, "publisher"), "category") == "translator" && str(d, "source_lang") == "" {
		fail("6.1.15", "translator without source_lang")
	}
	out = append(out, revisionFailures(tr)...)
	return out
}

var integerVersion = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

type rev struct {
	date   time.Time
	number int
}

// revisionFailures: §6.1.14 sorted, §6.1.16 latest version, §6.1.17 draft
// status, §6.1.18 released history, §6.1.21 no missing item, §6.1.22 no
// repeated number, §6.1.30 one versioning scheme (integers here); and that
// the release dates match the history.
func revisionFailures(tr map[string]any) []string {
	var out []string
	fail := func(test, format string, args ...any) { out = append(out, test+": "+fmt.Sprintf(format, args...)) }
	var revs []rev
	for i, r := range list(tr, "revision_history") {
		num, date := str(r, "number"), str(r, "date")
		if !integerVersion.MatchString(num) {
			fail("6.1.30", "revision %d number %q is not an integer version", i, num)
			continue
		}
		n, _ := strconv.Atoi(num)
		at, err := time.Parse(time.RFC3339Nano, date)
		if err != nil {
			fail("date", "revision %d date %q: %v", i, date, err)
		}
		revs = append(revs, rev{at, n})
	}
	if len(revs) == 0 {
		return append(out, "revision_history: empty")
	}
	version, status := str(tr, "version"), str(tr, "status")
	if !integerVersion.MatchString(version) {
		fail("6.1.30", "version %q is not an integer version", version)
	}
	byDate := slices.Clone(revs)
	sort.SliceStable(byDate, func(i, j int) bool { return byDate[i].date.Before(byDate[j].date) })
	for i := 1; i < len(byDate); i++ {
		if byDate[i].number < byDate[i-1].number {
			fail("6.1.14", "revision %d dated after revision %d", byDate[i-1].number, byDate[i].number)
		}
	}
	last := byDate[len(byDate)-1]
	if strconv.Itoa(last.number) != version {
		fail("6.1.16", "version %q, latest revision %d", version, last.number)
	}
	if version == "0" && status != "draft" {
		fail("6.1.17", "version 0 with status %q", status)
	}
	byNumber := slices.Clone(revs)
	sort.SliceStable(byNumber, func(i, j int) bool { return byNumber[i].number < byNumber[j].number })
	for i, r := range byNumber {
		if r.number == 0 && status != "draft" {
			fail("6.1.18", "revision 0 in a %s document", status)
		}
		if i == 0 && r.number > 1 {
			fail("6.1.21", "history starts at %d", r.number)
		}
		if i > 0 && r.number == byNumber[i-1].number {
			fail("6.1.22", "revision %d twice", r.number)
		} else if i > 0 && r.number != byNumber[i-1].number+1 {
			fail("6.1.21", "revision %d missing", byNumber[i-1].number+1)
		}
	}
	current, _ := time.Parse(time.RFC3339Nano, str(tr, "current_release_date"))
	initial, _ := time.Parse(time.RFC3339Nano, str(tr, "initial_release_date"))
	if !current.Equal(last.date) {
		fail("dates", "current_release_date %s, latest revision dated %s", current, last.date)
	}
	if initial.After(byDate[0].date) {
		fail("dates", "initial_release_date %s after the first revision %s", initial, byDate[0].date)
	}
	return out
}

func obj(v any, key string) map[string]any {
	m, _ := v.(map[string]any)
	o, _ := m[key].(map[string]any)
	return o
}

func list(v any, key string) []any {
	m, _ := v.(map[string]any)
	l, _ := m[key].([]any)
	return l
}

func str(v any, key string) string {
	m, _ := v.(map[string]any)
	s, _ := m[key].(string)
	return s
}

// notesText joins every note's text, for content checks.
func notesText(doc map[string]any) string {
	var b bytes.Buffer
	for _, n := range list(obj(doc, "document"), "notes") {
		b.WriteString(str(n, "title") + "\n" + str(n, "text") + "\n")
	}
	return b.String()
}
