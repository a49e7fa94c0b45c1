package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/herald-notify/herald/examples"
	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/contract"
)

// TestDemoFilesPassTheContract decodes every demo file the way the daemon
// would: the incident as an event, each subject (JSONL and CSV) in a
// subjects batch.
func TestDemoFilesPassTheContract(t *testing.T) {
	raw, err := fs.ReadFile(examples.Demo, demoIncident)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := contract.Decode(raw, ceHeaders)
	if err != nil {
		t.Fatalf("incident.json: %v", err)
	}
	if ev.ID != "evt-demo-opened-1" || ev.Type != incident.TypeOpened || ev.Subject != "INC-DEMO-0001" {
		t.Errorf("incident.json envelope = %s %s %s", ev.ID, ev.Type, ev.Subject)
	}
	if _, err := contract.FactsFromEvent(ev); err != nil {
		t.Errorf("incident.json facts: %v", err)
	}
	jsonl := demoSubjectsFrom(t, "demo/subjects.jsonl")
	checkDemoSubjects(t, jsonl)
	if csv := demoSubjectsFrom(t, "demo/subjects.csv"); len(csv) != 10 {
		t.Errorf("subjects.csv has %d rows, want 10", len(csv))
	}
}

// demoSubjectsFrom reads an embedded subjects file with the import's row
// readers and validates them as one batch.
func demoSubjectsFrom(t *testing.T, name string) []incident.Subject {
	t.Helper()
	raw, err := fs.ReadFile(examples.Demo, name)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(bytes.NewReader(raw))
	rows, err := newRowReader(detectFormat(name, br), br)
	if err != nil {
		t.Fatal(err)
	}
	var subjects []incident.Subject
	for {
		r, err := rows.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		subjects = append(subjects, r.subject)
	}
	data, _ := json.Marshal(incident.SubjectsBatch{IncidentID: "INC-DEMO-0001", Subjects: subjects})
	value, _ := json.Marshal(newEvent("e-1", incident.TypeSubjects, "INC-DEMO-0001", data))
	if _, err := contract.Decode(value, ceHeaders); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return subjects
}

// checkDemoSubjects checks that the demo covers the cases it promises
// (examples/README.md).
func checkDemoSubjects(t *testing.T, subjects []incident.Subject) {
	t.Helper()
	var noContact, badPhoneEmail, unregistered, onlyBadPhone int
	locales := map[string]bool{}
	for _, s := range subjects {
		locales[s.Locale] = true
		badPhone := s.Phone == "+49 123" || s.Phone == "12345" || s.Phone == "+34 12"
		switch {
		case s.Email == "" && s.Phone == "" && len(s.PushTokens) == 0:
			noContact++
		case badPhone && s.Email != "":
			badPhoneEmail++
		case badPhone:
			onlyBadPhone++
		case len(s.PushTokens) > 0 && s.PushTokens[0] == "unregistered-token-XYZ" && s.Email != "":
			unregistered++
		}
		checkFictional(t, s, badPhone)
	}
	if len(subjects) < 45 || noContact < 4 || badPhoneEmail != 3 || unregistered != 3 || onlyBadPhone != 2 {
		t.Errorf("demo has %d subjects, %d without contact, %d bad phone + email, %d unregistered token + email, %d only a bad phone",
			len(subjects), noContact, badPhoneEmail, unregistered, onlyBadPhone)
	}
	for _, l := range []string{"en", "de", "fr", "es", "pt-BR", "ja"} {
		if !locales[l] {
			t.Errorf("no subject with locale %s", l)
		}
	}
}

// checkFictional makes sure the demo can never reach a real person.
func checkFictional(t *testing.T, s incident.Subject, badPhone bool) {
	t.Helper()
	if s.Email != "" && !strings.HasSuffix(s.Email, "@example.com") && !strings.HasSuffix(s.Email, "@example.org") {
		t.Errorf("%v has a non-example address", s)
	}
	if s.Phone == "" {
		return
	}
	// Read as the dispatcher reads it: a national number in the country of
	// the subject's jurisdiction ("US" of "US-CA").
	region, _, _ := strings.Cut(s.Jurisdiction, "-")
	n, err := phonenumbers.Parse(s.Phone, region)
	valid := err == nil && phonenumbers.IsValidNumber(n)
	switch {
	case badPhone && valid:
		t.Errorf("%v: a deliberately invalid phone is a valid number", s)
	case badPhone:
	case !valid:
		t.Errorf("%v: phone is not a valid number, so the SMS would never be tried", s)
	case !fictionalPhone.MatchString(phonenumbers.Format(n, phonenumbers.E164)):
		t.Errorf("%v has a phone number outside the fictional ranges", s)
	}
}

// fictionalPhone matches the ranges reserved for drama and documentation:
// NANP 555-0100..0199 in any area code, Berlin 030 23125 xxx
// (Bundesnetzagentur) and Paris 01 99 00 xx xx (ARCEP).
var fictionalPhone = regexp.MustCompile(`^\+(1[2-9][0-9]{2}55501[0-9]{2}|493023125[0-9]{3}|3319900[0-9]{4})$`)

// TestDemoPublishes runs `incidentctl demo` against the embedded broker.
func TestDemoPublishes(t *testing.T) {
	brokers := startBroker(t)
	r := runCLI(t, "", "demo", "--brokers", brokers, "--api", "http://127.0.0.1:18080")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"event_id=evt-demo-opened-1", "imported 50 subjects in 1 events",
		"http://127.0.0.1:18080/notices/", "incidentctl status INC-DEMO-0001", "outbox"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	msgs := readTopic(t, brokers)
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want 2", len(msgs))
	}
	opened := decodeMessage(t, msgs[0], "INC-DEMO-0001")
	facts, err := contract.FactsFromEvent(opened)
	if err != nil {
		t.Fatal(err)
	}
	// Timestamps move with the clock, keeping their gaps.
	if age := time.Since(*facts.AwareAt); age < time.Hour || age > 2*time.Hour {
		t.Errorf("aware_at is %v ago, want the demo's 1h30m", age)
	}
	if got := len(subjectsOf(t, decodeMessage(t, msgs[1], "INC-DEMO-0001")).Subjects); got != 50 {
		t.Errorf("subjects batch has %d, want 50", got)
	}
}

func TestShiftToNowKeepsGaps(t *testing.T) {
	raw, err := os.ReadFile("../../examples/demo/incident.json")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	out, err := examples.ShiftToNow(raw, at)
	if err != nil {
		t.Fatal(err)
	}
	var ev incident.Event
	var f incident.Facts
	if err := json.Unmarshal(out, &ev); err != nil || json.Unmarshal(ev.Data, &f) != nil {
		t.Fatalf("shifted event does not decode: %v", err)
	}
	if !ev.Time.Equal(at) || ev.Time.Sub(*f.AwareAt) != 90*time.Minute || f.DetectedAt.Sub(*f.OccurredTo) != 275*time.Minute {
		t.Errorf("time %v aware %v detected %v occurred_to %v", ev.Time, f.AwareAt, f.DetectedAt, f.OccurredTo)
	}
	if f.Scope == nil || *f.Scope.SubjectsEstimate != 48200 {
		t.Errorf("numbers changed: %+v", f.Scope)
	}
}
