package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
)

// queryPlan returns SQLite's plan for query, one step per line.
func queryPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.w.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatalf("explain %q: %v", query, err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(steps, "\n")
}

// TestQueriesUseIndexes: the lookups that run per receipt, per job batch
// and per lease must not scan a table that grows with the subjects.
func TestQueriesUseIndexes(t *testing.T) {
	s := openTemp(t)
	before := formatTime(time.Now())
	cases := []struct {
		name, query, index string
		args               []any
	}{
		{"receipt", `SELECT ` + attemptColumns + ` FROM attempts
			WHERE provider = ? AND provider_id = ? AND provider_id <> ''
			ORDER BY seq DESC LIMIT 1`, "attempts_receipt", []any{"smtp", "msg-1"}},
		{"stale claims", `UPDATE attempts SET error = ?
			WHERE status = '` + incident.AttemptClaimed + `' AND error = '' AND claimed_at < ?`,
			"attempts_claimed", []any{staleReason, before}},
		{"to queue", headQuery, "subjects_to_queue", []any{"INC-1", 10}},
		{"to queue before a seq", headBeforeQuery, "subjects_to_queue", []any{"INC-1", 99, 10}},
	}
	for _, c := range cases {
		plan := queryPlan(t, s, c.query, c.args...)
		if !strings.Contains(plan, c.index) {
			t.Errorf("%s plan:\n%s\nwant it to use %s", c.name, plan, c.index)
		}
		if strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s plan:\n%s\nsorts rows instead of reading them in order", c.name, plan)
		}
	}
}

// TestRetiredTokensKeepOnlyHashes: a retired push token is a contact
// detail; only its SHA-256 is stored.
func TestRetiredTokensKeepOnlyHashes(t *testing.T) {
	s := openTemp(t)
	const token = "fcm-token-of-u-1"
	if err := s.RetireTokens(context.Background(), []string{token}); err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := s.r.QueryRow(`SELECT token_hash FROM retired_tokens`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	// echo -n fcm-token-of-u-1 | sha256sum
	if want := "a474b2e12063a6e840b52ef5011a482f5e723d09c82cc5932b086070cff92b85"; stored != want {
		t.Errorf("stored %q, want the SHA-256 hex %q", stored, want)
	}
}

// TestReadsServedByIndexes: the report retry loop reads only due rows,
// each arm through its partial index, and Progress reads only the
// unreachable subjects' ledgers (a sort of a few due rows, or of one
// person's few attempts, is fine).
func TestReadsServedByIndexes(t *testing.T) {
	s := openTemp(t)
	now := formatTime(time.Now())
	cases := []struct {
		name, query string
		indexes     []string
		args        []any
	}{
		{"due report deliveries", dueSQL,
			[]string{"report_deliveries_retry", "report_deliveries_stalled"}, []any{now, now, 10}},
		{"unreachable by channel", unreachableByChannelSQL,
			[]string{"subjects_outcome", "sqlite_autoindex_attempts_1"}, []any{"INC-1"}},
	}
	for _, c := range cases {
		plan := queryPlan(t, s, c.query, c.args...)
		for _, index := range c.indexes {
			if !strings.Contains(plan, index) {
				t.Errorf("%s plan:\n%s\nwant it to use %s", c.name, plan, index)
			}
		}
		if strings.Contains(plan, "SCAN report_deliveries") || strings.Contains(plan, "SCAN s") ||
			strings.Contains(plan, "SCAN a") {
			t.Errorf("%s plan:\n%s\nscans a table", c.name, plan)
		}
	}
}
