package sqlite

import (
	"context"
	"testing"
	"time"
)

// seedMillion stores 1,000,000 subjects the way a big incident leaves
// them: 500,000 waiting on INC-QUIET, which does not notify, then 500,000
// of INC-LOUD, all but the last 1,000 already queued.
func seedMillion(b *testing.B, s *Store) {
	b.Helper()
	const half, waiting = 500_000, 1_000
	stmts := []string{
		`INSERT INTO incidents (id, status, facts, decision, opened_at, updated_at) VALUES ('INC-QUIET', 'open', '{}', '{"notify_subjects":false}', ?, ?)`,
		`INSERT INTO incidents (id, status, facts, decision, opened_at, updated_at) VALUES ('INC-LOUD', 'open', '{}', '{"notify_subjects":true}', ?, ?)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		 INSERT INTO subjects (incident_id, subject_id, data, outcome, updated_at, queued)
		 SELECT 'INC-QUIET', 'q-' || i, '{"id":"q-' || i || '"}', 'pending', '', 0 FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		 INSERT INTO subjects (incident_id, subject_id, data, outcome, updated_at, queued)
		 SELECT 'INC-LOUD', 'l-' || i, '{"id":"l-' || i || '"}', 'pending', '', i <= ? FROM n`,
	}
	at := formatTime(time.Now())
	args := [][]any{{at, at}, {at, at}, {half}, {half, half - waiting}}
	for i, q := range stmts {
		if _, err := s.w.Exec(q, args[i]...); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
}

// BenchmarkToQueueMillion lists the next 1,000 jobs among a million
// subjects, half of them on an incident that does not notify.
func BenchmarkToQueueMillion(b *testing.B) {
	s := openTemp(b)
	seedMillion(b, s)
	ctx := context.Background()
	b.Run("ToQueue", func(b *testing.B) {
		for b.Loop() {
			if keys, err := s.ToQueue(ctx, 1000); err != nil || len(keys) != 1000 {
				b.Fatalf("ToQueue = %d keys, %v", len(keys), err)
			}
		}
	})
}

// BenchmarkProgressMillion counts the progress of an incident with 500,000
// people among a million: what the periodic check pays per notifying
// incident for its milestone reports (and the pace estimate).
func BenchmarkProgressMillion(b *testing.B) {
	s := openTemp(b)
	seedMillion(b, s)
	ctx := context.Background()
	for b.Loop() {
		if p, err := s.Progress(ctx, "INC-LOUD"); err != nil || p.Subjects != 500_000 {
			b.Fatalf("Progress = %+v, %v", p, err)
		}
	}
}
