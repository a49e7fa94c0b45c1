package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/incident/store/storetest"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "data", "herald.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "dir", "herald.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	inc := incident.Incident{ID: "INC-1", Status: incident.StatusOpen,
		Decision: incident.Decision{IncidentID: "INC-1", NotifySubjects: true}}
	_, err = s.ApplyEvent(ctx, "ev-1", inc.ID, incident.TypeOpened, func(tx store.Tx) error {
		if err := tx.PutIncident(inc); err != nil {
			return err
		}
		_, err := tx.AddSubjects(inc.ID, []incident.Subject{{ID: "u-1", Email: "a@example.com"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.ClaimAttempt(ctx, store.Attempt{IncidentID: "INC-1", SubjectID: "u-1", Channel: "email"}); err != nil || !ok {
		t.Fatalf("claim: %v, %v", ok, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path) // migrations must be a no-op the second time
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if seen, err := s.EventApplied(ctx, "ev-1"); err != nil || !seen {
		t.Errorf("EventApplied after reopen = %v, %v", seen, err)
	}
	if n, err := s.ResolveStaleClaims(ctx, time.Now()); err != nil || n != 1 {
		t.Errorf("ResolveStaleClaims after reopen = %d, %v; want the claim left before Close", n, err)
	}
	p, err := s.Progress(ctx, "INC-1")
	if err != nil || p.Subjects != 1 || p.Uncertain != 1 {
		t.Errorf("progress after reopen = %+v, %v", p, err)
	}
}

// TestOpenPragmas checks the settings the single-writer design relies on.
func TestOpenPragmas(t *testing.T) {
	s := openTemp(t)
	want := map[string]string{"journal_mode": "wal", "synchronous": "1", "foreign_keys": "1",
		"busy_timeout": fmt.Sprint(busyTimeout.Milliseconds()), "secure_delete": "1"}
	for pragma, v := range want {
		var got string
		if err := s.w.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != v {
			t.Errorf("writer %s = %q, %v; want %q", pragma, got, err, v)
		}
	}
	if _, err := s.r.Exec(`DELETE FROM incidents`); err == nil {
		t.Error("read pool accepted a write")
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`INSERT INTO schema_version (version) VALUES (?)`, len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(path); err == nil {
		s.Close()
		t.Fatal("Open accepted a schema from a newer build")
	}
}

// BenchmarkAddSubjects measures subjects events of 1,000 subjects each.
func BenchmarkAddSubjects(b *testing.B) { benchStores(b, benchAddSubjects) }

func benchAddSubjects(b *testing.B, s *Store) {
	ctx := context.Background()
	inc := incident.Incident{ID: "INC-1", Status: incident.StatusOpen}
	if _, err := s.ApplyEvent(ctx, "open", inc.ID, incident.TypeOpened, func(tx store.Tx) error {
		return tx.PutIncident(inc)
	}); err != nil {
		b.Fatal(err)
	}
	const batch = 1000
	subs := make([]incident.Subject, batch)
	i := 0
	for ; b.Loop(); i++ {
		for k := range subs {
			id := fmt.Sprintf("u-%d-%d", i, k)
			subs[k] = incident.Subject{ID: id, Name: "Name " + id, Locale: "en",
				Email: id + "@example.com", Phone: "+4915100000000", PushTokens: []string{"tok-" + id}}
		}
		_, err := s.ApplyEvent(ctx, fmt.Sprintf("ev-%d", i), inc.ID, incident.TypeSubjects, func(tx store.Tx) error {
			n, err := tx.AddSubjects(inc.ID, subs)
			if err == nil && n != batch {
				err = fmt.Errorf("added %d, want %d", n, batch)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(i*batch)/b.Elapsed().Seconds(), "rows/s")
}
