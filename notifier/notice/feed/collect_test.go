package feed_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/notifier/notice/feed"
)

// seedIncident stores an incident so notices can refer to it.
func seedIncident(t *testing.T, s store.Store, id string) {
	t.Helper()
	inc := incident.Incident{ID: id, Status: incident.StatusOpen, Facts: incident.Facts{IncidentID: id, Title: "Incident " + id}}
	applied, err := s.ApplyEvent(t.Context(), "open-"+id, id, incident.TypeOpened, func(tx store.Tx) error {
		return tx.PutIncident(inc)
	})
	if err != nil || !applied {
		t.Fatalf("seed %s: applied=%v err=%v", id, applied, err)
	}
}

// TestAllRevisionsFromStore: every revision of every notice in a real
// SQLite store becomes one feed entry; an incident without a notice
// gives none.
func TestAllRevisionsFromStore(t *testing.T) {
	st := incidenttest.OpenStore(t)
	ctx := t.Context()
	for _, id := range []string{"INC-A", "INC-B", "INC-NONE"} {
		seedIncident(t, st, id)
	}
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for i, id := range []string{"INC-A", "INC-B", "INC-A", "INC-A"} {
		n := incident.Notice{IncidentID: id, Title: "Notice " + id, UpdatedAt: t0.Add(time.Duration(i) * time.Hour),
			Facts: incident.Facts{IncidentID: id}}
		if _, err := st.SaveNotice(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	revs, err := feed.AllRevisions(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 4 {
		t.Fatalf("%d revisions, want 4 (3 of INC-A, 1 of INC-B)", len(revs))
	}
	var b bytes.Buffer
	if err := feed.Atom(&b, "https://notices.example.com", revs, t0); err != nil {
		t.Fatal(err)
	}
	var doc atomDoc
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range doc.Entries {
		got = append(got, e.Title.Body+" -> "+link(e.Links, "alternate"))
	}
	want := []string{
		"Notice INC-A (revision 3) -> https://notices.example.com/notices/INC-A",
		"Notice INC-A (revision 2) -> https://notices.example.com/notices/INC-A?rev=2",
		"Notice INC-B (revision 1) -> https://notices.example.com/notices/INC-B",
		"Notice INC-A (revision 1) -> https://notices.example.com/notices/INC-A?rev=1",
	}
	if len(got) != len(want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// failingSource fails where the store might, to show the error names the
// step.
type failingSource struct{ listErr, revErr error }

func (f failingSource) ListNotices(context.Context) ([]incident.Notice, error) {
	return []incident.Notice{{IncidentID: "INC-A"}}, f.listErr
}

func (f failingSource) NoticeRevisions(context.Context, string) ([]incident.Notice, error) {
	return nil, f.revErr
}

func TestAllRevisionsErrors(t *testing.T) {
	boom := errors.New("disk gone")
	if _, err := feed.AllRevisions(t.Context(), failingSource{listErr: boom}); !errors.Is(err, boom) {
		t.Errorf("list failure: %v", err)
	}
	_, err := feed.AllRevisions(t.Context(), failingSource{revErr: boom})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "INC-A") {
		t.Errorf("revisions failure: %v, want it wrapped naming the incident", err)
	}
}
