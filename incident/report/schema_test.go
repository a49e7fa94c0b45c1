package report_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/contract"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/report"
	"github.com/herald-notify/herald/incident/store"
)

// goldenReports are the demo's reports as the API serves them.
var goldenReports = filepath.Join("..", "..", "templates", "testdata", "report", "demo-*.json")

// compiledSchema compiles report.Schema as a receiver would: draft
// 2020-12 with formats asserted (date-time is checked).
func compiledSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(report.Schema))
	if err != nil {
		t.Fatalf("parse report.schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(report.SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(report.SchemaID)
	if err != nil {
		t.Fatalf("compile report.schema.json: %v", err)
	}
	return sch
}

// schemaDoc is the schema as plain JSON, to read its declarations.
func schemaDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(report.Schema, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// instance is v as a receiver decodes it (numbers kept exact).
func instance(t *testing.T, v any) any {
	t.Helper()
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return doc
}

// mustConform fails unless v validates and every item of its fields is
// one the schema describes (fields is open to receivers, so only this
// check keeps the schema documenting all that Herald sends).
func mustConform(t *testing.T, sch *jsonschema.Schema, name string, v any) {
	t.Helper()
	doc := instance(t, v)
	if err := sch.Validate(doc); err != nil {
		t.Errorf("%s does not conform to report.schema.json: %v", name, err)
		return
	}
	described := schemaDoc(t)["$defs"].(map[string]any)["fields"].(map[string]any)["properties"].(map[string]any)
	for key := range doc.(map[string]any)["fields"].(map[string]any) {
		if _, ok := described[key]; !ok {
			t.Errorf("%s: fields.%s is not described in report.schema.json", name, key)
		}
	}
}

func TestSchemaIsDocumented(t *testing.T) {
	compiledSchema(t) // also checks it against the draft 2020-12 meta-schema
	doc := schemaDoc(t)
	if doc["$id"] != report.SchemaID {
		t.Errorf("$id %v, want report.SchemaID %s", doc["$id"], report.SchemaID)
	}
	// Every property, at every depth, has a title and a description.
	var walk func(where string, node any)
	walk = func(where string, node any) {
		switch n := node.(type) {
		case map[string]any:
			if props, ok := n["properties"].(map[string]any); ok {
				for name, p := range props {
					def, _ := p.(map[string]any)
					if _, ref := def["$ref"]; ref && len(def) == 1 {
						continue // documented where it is defined
					}
					for _, key := range []string{"title", "description"} {
						if s, _ := def[key].(string); strings.TrimSpace(s) == "" {
							t.Errorf("%s/properties/%s has no %s", where, name, key)
						}
					}
				}
			}
			for k, v := range n {
				if k != "allOf" { // conditions restate properties documented above
					walk(where+"/"+k, v)
				}
			}
		case []any:
			for i, v := range n {
				walk(fmt.Sprintf("%s/%d", where, i), v)
			}
		}
	}
	walk("#", doc)
}

// The categories a report lists are those the event contract accepts.
func TestSchemaDataCategoriesMatchTheContract(t *testing.T) {
	b, err := contract.Schemas.ReadFile("schema/facts.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var facts struct {
		Properties struct {
			Data struct {
				Properties struct {
					Categories struct {
						Items struct {
							Enum []string `json:"enum"`
						} `json:"items"`
					} `json:"categories"`
				} `json:"properties"`
			} `json:"data"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &facts); err != nil {
		t.Fatal(err)
	}
	want := facts.Properties.Data.Properties.Categories.Items.Enum
	var got []string
	items := schemaDoc(t)["$defs"].(map[string]any)["fields"].(map[string]any)["properties"].(map[string]any)["data_categories"].(map[string]any)["items"].(map[string]any)
	for _, c := range items["enum"].([]any) {
		got = append(got, c.(string))
	}
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("data_categories enum %v, want the contract's %v", got, want)
	}
}

func goldenFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(goldenReports)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < demoReports {
		t.Fatalf("%d golden reports at %s, want the demo's %d", len(files), goldenReports, demoReports)
	}
	return files
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSchemaAcceptsTheGoldenReports(t *testing.T) {
	sch := compiledSchema(t)
	for _, name := range goldenFiles(t) {
		mustConform(t, sch, filepath.Base(name), readGolden(t, name))
	}
}

// Reports Herald makes in their various shapes conform both as made (the
// webhook body, the answer to a request) and as stored and served.
func TestSchemaAcceptsReportsHeraldMakes(t *testing.T) {
	sch := compiledSchema(t)
	ctx := context.Background()
	tests := []struct {
		name string
		make func(t *testing.T) (*pipeline, []incident.Report)
	}{
		{"first phases", func(t *testing.T) (*pipeline, []incident.Report) {
			p := demoOpened(t)
			ensure(t, newReporter(t, p, &recorder{}), incidenttest.DemoID)
			return p, p.reports(t, incidenttest.DemoID)
		}},
		{"late with reasons", func(t *testing.T) (*pipeline, []incident.Report) {
			p := demoOpened(t)
			p.Clock.Set(thirtyHoursIn)
			rep, err := newReporter(t, p, &recorder{}).Generate(ctx, incidenttest.DemoID, "NIS2", "early_warning", "CSIRT portal down")
			if err != nil || !rep.Late || rep.Fields["reasons_for_delay"] != "CSIRT portal down" {
				t.Fatalf("precondition: a late report with reasons; late=%v, %v", rep.Late, err)
			}
			return p, []incident.Report{rep}
		}},
		{"on request without a deadline", func(t *testing.T) (*pipeline, []incident.Report) {
			p := demoOpened(t)
			rep, err := newReporter(t, p, &recorder{}).Generate(ctx, incidenttest.DemoID, "NIS2", "intermediate", "")
			if err != nil || rep.Deadline != nil {
				t.Fatalf("precondition: a report with no deadline; deadline=%v, %v", rep.Deadline, err)
			}
			return p, []incident.Report{rep}
		}},
		{"final after closure", func(t *testing.T) (*pipeline, []incident.Report) {
			p := demoOpened(t)
			r := newReporter(t, p, &recorder{})
			ensure(t, r, incidenttest.DemoID)
			p.Clock.Advance(48 * time.Hour)
			p.close(t, incidenttest.DemoID)
			ensure(t, r, incidenttest.DemoID)
			finals := p.reports(t, incidenttest.DemoID)[demoReports:]
			if len(finals) == 0 || finals[0].Phase != incident.PhaseFinal || finals[0].Fields["root_cause"] == nil {
				t.Fatalf("precondition: final reports after closure, got %v", newSince(t, p, demoReports))
			}
			return p, finals
		}},
		{"public notice", func(t *testing.T) (*pipeline, []incident.Report) {
			p := demoOpened(t)
			if _, err := p.Store.SaveNotice(ctx, incident.Notice{IncidentID: incidenttest.DemoID, Reason: "unreachable", Title: "Notice"}); err != nil {
				t.Fatal(err)
			}
			ensure(t, newReporter(t, p, &recorder{}), incidenttest.DemoID)
			reps := p.reports(t, incidenttest.DemoID)
			if len(reps) == 0 || reps[0].Fields["public_notice"] == nil {
				t.Fatal("precondition: reports that cite the public notice")
			}
			return p, reps
		}},
		{"progress by channel", func(t *testing.T) (*pipeline, []incident.Report) {
			p := demoOpened(t)
			notifyPeople(t, p)
			rep, err := newReporter(t, p, &recorder{}).Generate(ctx, incidenttest.DemoID, "GDPR", incident.PhaseFollowUp, "")
			if err != nil {
				t.Fatal(err)
			}
			pr := rep.Fields["notification_progress"].(incident.Progress)
			if pr.ByChannel[incident.ChannelEmail].Delivered == 0 || pr.ByChannel[incident.ChannelSMS].Unreachable == 0 ||
				pr.ByChannel[incident.ChannelPush].Queued == 0 || pr.Failed == 0 {
				t.Fatalf("precondition: progress on several channels, got %+v", pr)
			}
			return p, []incident.Report{rep}
		}},
		{"facts mostly unknown", func(t *testing.T) (*pipeline, []incident.Report) {
			p := newPipeline(t)
			p.Apply(t, sparseEvent(t))
			ensure(t, newReporter(t, p, &recorder{}), sparseID)
			reps := p.reports(t, sparseID)
			if len(reps) == 0 || reps[0].Fields["controller"] != nil || !isEmptyList(reps[0].Fields["breach_type"]) ||
				reps[0].Fields["subjects_approximate"] != "unknown" {
				t.Fatalf("precondition: a report stating unknowns, got %d reports", len(reps))
			}
			return p, reps
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, made := tc.make(t)
			for _, rep := range made {
				mustConform(t, sch, fmt.Sprintf("%s %s v%d as made", rep.Regime, rep.Phase, rep.Version), rep)
			}
			for _, rep := range p.reports(t, made[0].IncidentID) {
				name := fmt.Sprintf("%s %s v%d as served", rep.Regime, rep.Phase, rep.Version)
				mustConform(t, sch, name, rep)
				checkDocumentedHash(t, name, instance(t, rep))
			}
		})
	}
}

// notifyPeople gives the demo four people and a ledger across channels:
// one told by email and confirmed delivered, one told by SMS after email
// failed, one unreachable with SMS last tried, one with a push in flight.
func notifyPeople(t *testing.T, p *pipeline) {
	t.Helper()
	var people []incident.Subject
	for i := range 4 {
		people = append(people, incident.Subject{ID: fmt.Sprintf("u-%d", i), Jurisdiction: "DE"})
	}
	p.Apply(t, incidenttest.DemoEventOf(t, "evt-people", incident.TypeSubjects, incident.SubjectsBatch{IncidentID: incidenttest.DemoID, Subjects: people}))
	ctx := context.Background()
	claim := func(subject, channel string) store.Attempt {
		t.Helper()
		a := store.Attempt{IncidentID: incidenttest.DemoID, SubjectID: subject, Channel: channel, Provider: "test"}
		if ok, err := p.Store.ClaimAttempt(ctx, a); err != nil || !ok {
			t.Fatalf("claim %s %s: %v, %v", subject, channel, ok, err)
		}
		return a
	}
	finish := func(a store.Attempt, status, outcome string) {
		t.Helper()
		a.Status = status
		var err error
		if outcome == "" {
			err = p.Store.FinishAttempt(ctx, a)
		} else {
			err = p.Store.FinishDelivery(ctx, a, outcome)
		}
		if err != nil {
			t.Fatalf("finish %s %s: %v", a.SubjectID, a.Channel, err)
		}
	}
	told := claim("u-0", incident.ChannelEmail)
	finish(told, incident.AttemptSent, incident.OutcomeSent)
	if ok, err := p.Store.MarkDelivered(ctx, told, time.Time{}); err != nil || !ok {
		t.Fatalf("mark delivered: %v, %v", ok, err)
	}
	finish(claim("u-1", incident.ChannelEmail), incident.AttemptFailed, "")
	finish(claim("u-1", incident.ChannelSMS), incident.AttemptSent, incident.OutcomeSent)
	finish(claim("u-2", incident.ChannelSMS), incident.AttemptFailed, incident.OutcomeUnreachable)
	claim("u-3", incident.ChannelPush)
}

const sparseID = "INC-SPARSE-1"

// sparseEvent opens an incident of which little is known, and whose
// security properties were all assessed as not affected.
func sparseEvent(t *testing.T) incident.Event {
	t.Helper()
	data, err := json.Marshal(map[string]any{"incident_id": sparseID, "title": "Laptop lost", "kind": incident.KindPersonalDataBreach,
		"breach": map[string]string{"confidentiality": "none", "integrity": "none", "availability": "none"}})
	if err != nil {
		t.Fatal(err)
	}
	return incident.Event{SpecVersion: "1.0", ID: "evt-sparse", Source: "urn:test", Type: incident.TypeOpened,
		Subject: sparseID, DataContentType: "application/json", Data: data}
}

// Bad reports fail, naming the place.
func TestSchemaRejectsBadReports(t *testing.T) {
	sch := compiledSchema(t)
	base := readGolden(t, filepath.Join(filepath.Dir(goldenReports), "demo-GDPR-initial.json"))
	tests := []struct {
		name   string
		change func(rep, fields map[string]any)
		at     string // the instance location named
		says   string
	}{
		{"content_hash missing", func(rep, _ map[string]any) { delete(rep, "content_hash") }, "", "content_hash"},
		{"content_hash upper-case", func(rep, _ map[string]any) { rep["content_hash"] = strings.ToUpper(rep["content_hash"].(string)) }, "/content_hash", "does not match pattern"},
		{"content_hash short", func(rep, _ map[string]any) { rep["content_hash"] = "abc123" }, "/content_hash", "does not match pattern"},
		{"version a string", func(rep, _ map[string]any) { rep["version"] = "4" }, "/version", "want integer"},
		{"generated_at not a time", func(rep, _ map[string]any) { rep["generated_at"] = "yesterday" }, "/generated_at", "date-time"},
		{"unknown envelope key", func(rep, _ map[string]any) { rep["signature"] = "x" }, "", "signature"},
		{"fields missing risk", func(_, f map[string]any) { delete(f, "risk") }, "/fields", "risk"},
		{"risk not a level", func(_, f map[string]any) { f["risk"] = "medium" }, "/fields/risk", "must be one of"},
		{"subjects a word", func(_, f map[string]any) { f["subjects_approximate"] = "many" }, "/fields/subjects_approximate", "'anyOf' failed"},
		{"late a string", func(rep, _ map[string]any) { rep["late"] = "no" }, "/late", "want boolean"},
		{"late without reasons", func(rep, _ map[string]any) { rep["late"] = true }, "/fields", "reasons_for_delay"},
		{"reasons on time", func(_, f map[string]any) { f["reasons_for_delay"] = "none" }, "/fields", "'not' failed"},
		{"final without closure", func(rep, f map[string]any) { rep["phase"] = "final"; f["more_to_follow"] = false }, "/fields", "root_cause"},
		{"channel without delivered", func(_, f map[string]any) {
			f["notification_progress"].(map[string]any)["by_channel"] = map[string]any{
				"email": map[string]any{"queued": 0, "sent": 1, "failed": 0, "unreachable": 0}}
		}, "/fields/notification_progress/by_channel/email", "delivered"},
		{"negative count", func(_, f map[string]any) { f["notification_progress"].(map[string]any)["sent"] = -1 }, "/fields/notification_progress/sent", "minimum"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rep map[string]any
			if err := json.Unmarshal(base, &rep); err != nil {
				t.Fatal(err)
			}
			tc.change(rep, rep["fields"].(map[string]any))
			err := sch.Validate(instance(t, rep))
			var verr *jsonschema.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("validate: %v, want a validation error at %q", err, tc.at)
			}
			if !namesPlace(verr, tc.at, tc.says) {
				t.Errorf("error does not name %q with %q:\n%v", tc.at, tc.says, err)
			}
		})
	}
	// Forward compatibility: an item the schema does not know is accepted.
	var rep map[string]any
	if err := json.Unmarshal(base, &rep); err != nil {
		t.Fatal(err)
	}
	rep["fields"].(map[string]any)["indicators_of_compromise"] = []string{"198.51.100.7"}
	if err := sch.Validate(instance(t, rep)); err != nil {
		t.Errorf("a new item in fields is refused: %v", err)
	}
}

// namesPlace reports whether one line of the error, as a receiver reads
// it ("- at '/fields/risk': value must be one of ..."), is at the instance
// location at and says says.
func namesPlace(verr *jsonschema.ValidationError, at, says string) bool {
	prefix := "- at '" + at + "': "
	for _, line := range strings.Split(verr.Error(), "\n") {
		msg, ok := strings.CutPrefix(strings.TrimSpace(line), prefix)
		if ok && strings.Contains(msg, says) {
			return true
		}
	}
	return false
}

// checkDocumentedHash recomputes the content hash from a served report by
// the recipe in REPORTS.md and report.schema.json: compact JSON of fields,
// every object's keys sorted, numbers as served, no HTML escaping.
func checkDocumentedHash(t *testing.T, name string, served any) {
	t.Helper()
	rep := served.(map[string]any)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep["fields"]); err != nil { // maps encode with sorted keys; json.Number keeps the digits
		t.Fatal(err)
	}
	sum := sha256.Sum256(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	if got := hex.EncodeToString(sum[:]); got != rep["content_hash"] {
		t.Errorf("%s: content hash recomputed as documented %s, report says %s", name, got, rep["content_hash"])
	}
}

func TestSchemaContentHashRecipeOnGoldens(t *testing.T) {
	for _, name := range goldenFiles(t) {
		checkDocumentedHash(t, filepath.Base(name), instance(t, readGolden(t, name)))
	}
}

// The schema's fields are the ones Build sets: required exactly where
// Build always sets them.
func TestSchemaRequiresWhatBuildAlwaysSets(t *testing.T) {
	inc := demoIncident(t)
	ob := obligation(t, inc.Decision, "GDPR")
	built := report.Build(report.Input{Incident: inc, Obligation: ob, Phase: incident.PhaseInitial, Now: t0})
	var always []string
	for k := range built.Fields {
		always = append(always, k)
	}
	sort.Strings(always)
	var required []string
	for _, k := range schemaDoc(t)["$defs"].(map[string]any)["fields"].(map[string]any)["required"].([]any) {
		required = append(required, k.(string))
	}
	sort.Strings(required)
	if !reflect.DeepEqual(always, required) {
		t.Errorf("fields required by the schema %v,\nwant those Build sets without trigger, notice, delay or closure %v", required, always)
	}
}

// isEmptyList says v is a JSON array with nothing in it, as decoded.
func isEmptyList(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) == 0
}
