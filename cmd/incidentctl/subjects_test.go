package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/herald-notify/herald/incident"
)

// jsonlWithBadRows has 11 good subjects and 5 bad rows; with --batch 5 the
// good ones go out as 4 + 5 + 1 (u-4 is dropped from the first batch by the
// contract check, the others never reach a batch).
const jsonlWithBadRows = `{"id": "u-1", "locale": "de", "email": "u1@example.com"}
{"id": "u-2", "locale": "fr", "phone": "+33199000001"}
{"id": "u-x", "email": "secret@example.com"
{"id": "u-3", "push_tokens": ["fcm-1"], "channels": ["push", "email"], "email": "u3@example.org"}
{"id": "u-4", "phone": "+12015550100000000000000000000000000"}
{"id": "u-5", "email": "u5@example.com"}
{"id": "u-6", "email": "u6@example.com"}

{"id": "u-7", "emial": "typo@example.com"}
{"id": "u-7", "email": "u7@example.com"}
{"id": "u-2", "email": "again@example.com"}
{"id": "u-8", "email": "u8@example.com", "channels": ["fax"]}
{"id": "u-9", "email": "u9@example.com"}
{"id": "u-10", "email": "u10@example.com"}
{"id": "u-11", "email": "u11@example.com"}
{"id": "u-12", "email": "u12@example.com"}
`

func TestImportJSONLSkipsBadRowsAndBatches(t *testing.T) {
	brokers := startBroker(t)
	file := writeFile(t, "subjects.jsonl", jsonlWithBadRows)
	r := runCLI(t, "", "subjects", "import", "INC-7", file, "--batch", "5", "--brokers", brokers)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (bad rows); stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "imported 10 subjects in 3 events for incident INC-7 (5 rows skipped)") {
		t.Errorf("stdout = %q", r.stdout)
	}
	for _, want := range []string{"line 3: malformed JSON", "line 5: phone:", "line 9: emial:", "line 11: id: repeats the id on line 2", "line 12: channels:"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	for _, secret := range []string{"secret@example.com", "typo@example.com", "again@example.com", "+1201555010000", "u8@example.com"} {
		if strings.Contains(r.stderr, secret) {
			t.Errorf("stderr leaks a contact detail %q", secret)
		}
	}

	msgs := readTopic(t, brokers)
	if got := batchSizes(t, msgs, "INC-7"); !slices.Equal(got, []int{4, 5, 1}) {
		t.Errorf("batch sizes = %v, want [4 5 1]", got)
	}
	first := subjectsOf(t, decodeMessage(t, msgs[0], "INC-7"))
	if ids := subjectIDs(first); !slices.Equal(ids, []string{"u-1", "u-2", "u-3", "u-5"}) {
		t.Errorf("first batch = %v", ids)
	}
	if s := first.Subjects[2]; s.Email != "u3@example.org" || !slices.Equal(s.Channels, []string{"push", "email"}) {
		t.Errorf("u-3 lost fields: channels %v", s.Channels)
	}
}

// TestImportIsDeterministic re-runs the same import: same event ids, so the
// daemon ignores the second run. Another batch size gives other ids.
func TestImportIsDeterministic(t *testing.T) {
	brokers := startBroker(t)
	file := writeFile(t, "subjects.jsonl", jsonlWithBadRows)
	for _, batch := range []string{"5", "5", "3"} {
		runCLI(t, "", "subjects", "import", "INC-7", file, "--batch", batch, "--brokers", brokers, "--quiet")
	}
	var ids []string
	for _, m := range readTopic(t, brokers) {
		ids = append(ids, decodeMessage(t, m, "INC-7").ID)
	}
	if len(ids) != 3+3+4 {
		t.Fatalf("got %d events, want 10", len(ids))
	}
	if !slices.Equal(ids[0:3], ids[3:6]) {
		t.Errorf("re-run changed the event ids: %v vs %v", ids[0:3], ids[3:6])
	}
	if slices.Contains(ids[0:3], ids[6]) || ids[0] == ids[1] {
		t.Errorf("ids not distinct per batch and batch size: %v", ids)
	}
	other := writeFile(t, "other.jsonl", jsonlWithBadRows+`{"id": "u-13"}`+"\n")
	runCLI(t, "", "subjects", "import", "INC-7", other, "--batch", "5", "--brokers", brokers)
	all := readTopic(t, brokers)
	if id := decodeMessage(t, all[len(all)-1], "INC-7").ID; slices.Contains(ids, id) {
		t.Errorf("other content reused event id %s", id)
	}
}

func TestImportCSV(t *testing.T) {
	brokers := startBroker(t)
	demo, err := os.ReadFile("../../examples/demo/subjects.csv")
	if err != nil {
		t.Fatal(err)
	}
	bad := ",No Id,en,US-CA,noid@example.com,,,\n" +
		"c-0011,Bad Channel,de,DE,bad@example.com,,,fax;email\n" +
		"c-0012,Short\n"
	file := writeFile(t, "subjects.csv", string(demo)+bad)
	r := runCLI(t, "", "subjects", "import", "INC-CSV", file, "--batch", "4", "--brokers", brokers)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"line 12: id: is required", "line 13: channels:", "line 14: has 2 fields"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "noid@example.com") || strings.Contains(r.stderr, "Bad Channel") {
		t.Errorf("stderr leaks row values: %s", r.stderr)
	}
	msgs := readTopic(t, brokers)
	if got := batchSizes(t, msgs, "INC-CSV"); !slices.Equal(got, []int{4, 4, 2}) {
		t.Fatalf("batch sizes = %v, want [4 4 2]", got)
	}
	b := subjectsOf(t, decodeMessage(t, msgs[0], "INC-CSV"))
	checkCSVRow(t, b.Subjects[0], "c-0001", nil, []string{"push", "sms", "email"})
	checkCSVRow(t, b.Subjects[2], "c-0003", []string{"fcm-csv-token-0003", "fcm-csv-token-0004"}, nil)
}

func checkCSVRow(t *testing.T, s incident.Subject, id string, tokens, channels []string) {
	t.Helper()
	if s.ID != id {
		t.Fatalf("subject %s, want %s", s.ID, id)
	}
	if tokens != nil && !slices.Equal(s.PushTokens, tokens) {
		t.Errorf("%s push tokens split wrong (%d tokens)", id, len(s.PushTokens))
	}
	if channels != nil && !slices.Equal(s.Channels, channels) {
		t.Errorf("%s channels = %v, want %v", id, s.Channels, channels)
	}
}

// TestImportFromStdin detects JSON lines by content and succeeds (exit 0)
// when every row is good.
func TestImportFromStdin(t *testing.T) {
	brokers := startBroker(t)
	in := "\n" + `{"id": "s-1", "email": "s1@example.com"}` + "\n" + `{"id": "s-2", "locale": "pt-BR"}`
	r := runCLI(t, in, "subjects", "import", "INC-IN", "-", "--brokers", brokers)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if got := batchSizes(t, readTopic(t, brokers), "INC-IN"); !slices.Equal(got, []int{2}) {
		t.Errorf("batch sizes = %v", got)
	}
}

func TestImportRejectsBadHeader(t *testing.T) {
	file := writeFile(t, "s.csv", "id,name,fax\nx,y,z\n")
	r := runCLI(t, "", "subjects", "import", "INC-1", file, "--brokers", startBroker(t))
	if r.code != 2 || !strings.Contains(r.stderr, `header: unknown column "fax"`) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// batchSizes decodes every message as a subjects event of incidentID.
func batchSizes(t *testing.T, msgs []kafka.Message, incidentID string) []int {
	t.Helper()
	var sizes []int
	for _, m := range msgs {
		ev := decodeMessage(t, m, incidentID)
		if ev.Type != incident.TypeSubjects || ev.Subject != incidentID {
			t.Errorf("event %s: type %s subject %s", ev.ID, ev.Type, ev.Subject)
		}
		sizes = append(sizes, len(subjectsOf(t, ev).Subjects))
	}
	return sizes
}

func subjectIDs(b incident.SubjectsBatch) []string {
	ids := make([]string, len(b.Subjects))
	for i, s := range b.Subjects {
		ids[i] = s.ID
	}
	return ids
}
