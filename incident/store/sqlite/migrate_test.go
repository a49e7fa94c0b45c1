package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// openV1 creates a database at schema version 1, as an older incidentd
// left it, holding one incident and the given subjects.
func openV1(t *testing.T, path string, subs []incident.Subject) {
	t.Helper()
	ctx := context.Background()
	db, err := openPool(path, writerParams(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE TABLE schema_version (version INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if err := applyMigration(ctx, tx, 0); err != nil {
		t.Fatal(err)
	}
	at := formatTime(time.Date(2026, 11, 19, 9, 0, 0, 0, time.UTC))
	if _, err := tx.Exec(`INSERT INTO incidents VALUES ('INC-1', 'open', '{}', '{}', ?, ?)`, at, at); err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		doc, _ := json.Marshal(s)
		if _, err := tx.Exec(`INSERT INTO subjects (incident_id, subject_id, data, outcome, updated_at)
			VALUES ('INC-1', ?, ?, 'pending', ?)`, s.ID, string(doc), at); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateV1BackfillsPopulation(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	var subs []incident.Subject
	for i, j := range []string{"DE", "de", " fr", "", "BR", "DE"} {
		subs = append(subs, incident.Subject{ID: fmt.Sprintf("u-%d", i), Jurisdiction: j})
	}
	openV1(t, path, subs)

	s, err := Open(path)
	if err != nil {
		t.Fatalf("open v1 database: %v", err)
	}
	defer s.Close()
	want := incident.Population{Subjects: 6, Jurisdictions: map[string]int{"DE": 3, "FR": 1, "BR": 1}}
	checkPopulation(t, s, "backfilled", want)

	// Counting goes on from the backfill.
	_, err = s.ApplyEvent(ctx, "ev-1", "INC-1", incident.TypeSubjects, func(tx store.Tx) error {
		_, err := tx.AddSubjects("INC-1", []incident.Subject{{ID: "u-0", Jurisdiction: "DE"}, {ID: "u-9", Jurisdiction: "fr"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want = incident.Population{Subjects: 7, Jurisdictions: map[string]int{"DE": 3, "FR": 2, "BR": 1}}
	checkPopulation(t, s, "after a batch", want)
	var version int
	if err := s.r.QueryRow(`SELECT MAX(version) FROM schema_version`).Scan(&version); err != nil || version != len(migrations) {
		t.Errorf("schema version = %d, %v; want %d", version, err, len(migrations))
	}
	s.Close()

	// Reopening does not backfill a second time.
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	checkPopulation(t, s2, "after reopening", want)
}

func checkPopulation(t *testing.T, s *Store, when string, want incident.Population) {
	t.Helper()
	got, err := s.Population(context.Background(), "INC-1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("population %s = %+v, %v; want %+v", when, got, err, want)
	}
}

func TestJurisdictionKeyMatchesBackfill(t *testing.T) {
	s := openTemp(t)
	for _, j := range []string{"de", " De ", "us-ca", "ÅL", "\tfr", ""} {
		var sqlKey sql.NullString
		if err := s.r.QueryRow(`SELECT UPPER(TRIM(?))`, j).Scan(&sqlKey); err != nil {
			t.Fatal(err)
		}
		if got := jurisdictionKey(j); got != sqlKey.String {
			t.Errorf("jurisdictionKey(%q) = %q, the backfill gives %q", j, got, sqlKey.String)
		}
	}
}

// TestMigrateV2SubjectsWaitForJobs: subjects stored before v3 count as not
// queued, so the enqueuer picks them up once their incident notifies.
func TestMigrateV2SubjectsWaitForJobs(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	openV1(t, path, []incident.Subject{{ID: "u-1"}, {ID: "u-2"}})
	s, err := Open(path)
	if err != nil {
		t.Fatalf("open v1 database: %v", err)
	}
	defer s.Close()
	if keys, err := s.ToQueue(ctx, 10); err != nil || len(keys) != 0 {
		t.Fatalf("ToQueue before the incident notifies = %v, %v; want none", keys, err)
	}
	inc, err := s.GetIncident(ctx, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	inc.Decision.NotifySubjects = true
	if _, err := s.ApplyEvent(ctx, "ev-notify", inc.ID, incident.TypeUpdated, func(tx store.Tx) error {
		return tx.PutIncident(inc)
	}); err != nil {
		t.Fatal(err)
	}
	keys, err := s.ToQueue(ctx, 10)
	want := []store.DeliveryKey{{IncidentID: "INC-1", SubjectID: "u-1"}, {IncidentID: "INC-1", SubjectID: "u-2"}}
	if err != nil || !reflect.DeepEqual(keys, want) {
		t.Errorf("ToQueue after migrating = %v, %v; want %v", keys, err, want)
	}
}

// TestMigrateV6KeepsLedger: a sent attempt stored before v7 is not yet
// delivered, and a receipt can still mark it.
func TestMigrateV6KeepsLedger(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "herald.db")
	db, err := openPool(path, writerParams(), 1)
	if err != nil {
		t.Fatal(err)
	}
	at := formatTime(time.Date(2026, 11, 19, 9, 0, 0, 0, time.UTC))
	stmts := []string{
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		`INSERT INTO incidents (id, status, facts, decision, opened_at, updated_at) VALUES ('INC-1', 'open', '{}', '{}', '` + at + `', '` + at + `')`,
		`INSERT INTO subjects (incident_id, subject_id, data, outcome, channel, updated_at)
			VALUES ('INC-1', 'u-1', '{"id":"u-1"}', 'sent', 'sms', '` + at + `')`,
		`INSERT INTO attempts (incident_id, subject_id, channel, status, provider, provider_id, claimed_at, finished_at)
			VALUES ('INC-1', 'u-1', 'sms', 'sent', 'twilio', 'SM1', '` + at + `', '` + at + `')`,
	}
	if _, err := db.Exec(stmts[0]); err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for v := range 6 {
		if err := applyMigration(ctx, tx, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts[1:] {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatalf("open v6 database: %v", err)
	}
	defer s.Close()
	if p, err := s.Progress(ctx, "INC-1"); err != nil || p.ByChannel["sms"] != (incident.ChannelProgress{Sent: 1}) {
		t.Errorf("progress after migrating = %+v, %v; want 1 sms sent, none delivered", p, err)
	}
	a, err := s.AttemptByProviderID(ctx, "twilio", "SM1")
	if err != nil {
		t.Fatal(err)
	}
	if marked, err := s.MarkDelivered(ctx, a, time.Time{}); err != nil || !marked {
		t.Errorf("MarkDelivered after migrating = %v, %v; want true", marked, err)
	}
	if list, err := s.ReportDeliveries(ctx, "INC-1"); err != nil || len(list) != 0 {
		t.Errorf("report deliveries after migrating = %v, %v; want none", list, err)
	}
}
