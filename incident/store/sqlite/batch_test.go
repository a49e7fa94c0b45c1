package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// heldWriter keeps the single writer connection busy inside an ApplyEvent,
// so that ledger writes queue up behind it and then commit as one batch.
type heldWriter struct {
	release chan struct{}
	done    chan error
}

// holds numbers the holding events: each must be new to run.
var holds atomic.Int64

func holdWriter(t *testing.T, s *Store) *heldWriter {
	t.Helper()
	h := &heldWriter{release: make(chan struct{}), done: make(chan error, 1)}
	inside := make(chan struct{})
	event := fmt.Sprintf("hold-%d", holds.Add(1))
	go func() {
		_, err := s.ApplyEvent(context.Background(), event, "INC-1", incident.TypeUpdated, func(store.Tx) error {
			close(inside)
			<-h.release
			return nil
		})
		h.done <- err
	}()
	<-inside
	return h
}

func (h *heldWriter) let(t *testing.T) {
	t.Helper()
	close(h.release)
	if err := <-h.done; err != nil {
		t.Fatalf("held event: %v", err)
	}
}

// waitFor yields until cond holds; the conditions waited on are reached
// by goroutines already running, so this ends without a timer.
func waitFor(cond func() bool) {
	for !cond() {
		runtime.Gosched()
	}
}

// inOneBatch runs writes concurrently and makes them share one batch: a
// first write takes the batcher into a held writer connection, the others
// queue behind it, whileQueued (if not nil) runs, and the writer is let go.
// It returns each write's error, in order.
func inOneBatch(t *testing.T, s *Store, whileQueued func(), writes ...func() error) []error {
	t.Helper()
	h := holdWriter(t, s)
	before := s.batch.stats.writes.Load()
	first := make(chan error, 1)
	go func() { first <- s.SetOutcome(context.Background(), "INC-1", "u-0", incident.OutcomePending, "") }()
	waitFor(func() bool { return s.batch.stats.writes.Load() == before+1 }) // taken, stuck in BeginTx
	errs := make([]error, len(writes))
	var wg sync.WaitGroup
	for i, w := range writes {
		wg.Go(func() { errs[i] = w() })
	}
	waitFor(func() bool { return len(s.batch.ops) == len(writes) })
	batches := s.batch.stats.batches.Load()
	if whileQueued != nil {
		whileQueued()
	}
	h.let(t)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatalf("first write: %v", err)
	}
	if got := s.batch.stats.batches.Load() - batches; got != 1 {
		t.Fatalf("%d writes took %d batches, want 1", len(writes), got)
	}
	return errs
}

func seedBatchTest(t *testing.T, n int) *Store {
	t.Helper()
	s := openTemp(t)
	seedSubjects(t, s, n)
	return s
}

func claimOf(subjectID string) store.Attempt {
	return store.Attempt{IncidentID: "INC-1", SubjectID: subjectID, Channel: incident.ChannelEmail}
}

// TestBatchDuplicateClaims: of several claims of one row in one batch,
// exactly one wins.
func TestBatchDuplicateClaims(t *testing.T) {
	s := seedBatchTest(t, 2)
	const claims = 8
	won := make([]bool, claims)
	writes := make([]func() error, claims)
	for i := range writes {
		writes[i] = func() (err error) {
			won[i], err = s.ClaimAttempt(context.Background(), claimOf("u-1"))
			return err
		}
	}
	for i, err := range inOneBatch(t, s, nil, writes...) {
		if err != nil {
			t.Errorf("claim %d: %v", i, err)
		}
	}
	winners := 0
	for _, w := range won {
		if w {
			winners++
		}
	}
	if winners != 1 {
		t.Errorf("%d of %d claims in one batch won, want exactly 1", winners, claims)
	}
}

// TestBatchFailureIsolated: a write that fails in a batch fails only its
// caller; the others commit.
func TestBatchFailureIsolated(t *testing.T) {
	s := seedBatchTest(t, 3)
	ctx := context.Background()
	if ok, err := s.ClaimAttempt(ctx, claimOf("u-2")); err != nil || !ok {
		t.Fatalf("claim u-2: %v, %v", ok, err)
	}
	sent := claimOf("u-2")
	sent.Status = incident.AttemptSent
	errs := inOneBatch(t, s, nil,
		func() error { _, err := s.ClaimAttempt(ctx, claimOf("u-1")); return err },
		func() error { _, err := s.ClaimAttempt(ctx, claimOf("u-404")); return err },
		func() error { return s.FinishAttempt(ctx, sent) },
		func() error { return s.FinishAttempt(ctx, sent) }, // the second finish conflicts
		func() error { return s.SetOutcome(ctx, "INC-1", "u-404", incident.OutcomeSent, "email") },
		func() error { return s.SetOutcome(ctx, "INC-1", "u-2", incident.OutcomeSent, "email") },
		func() error { return s.MarkQueued(ctx, []store.DeliveryKey{{IncidentID: "INC-1", SubjectID: "u-1"}}) },
		func() error { return s.write(ctx, failAfterWriting) },
	)
	codes := make([]string, len(errs))
	for i, err := range errs {
		codes[i] = incident.ErrorCode(err)
	}
	conflicts, oks := 0, 0
	for _, c := range codes[2:4] {
		switch c {
		case incident.CodeConflict:
			conflicts++
		case "":
			oks++
		}
	}
	if codes[0] != "" || codes[1] != incident.CodeNotFound || conflicts != 1 || oks != 1 ||
		codes[4] != incident.CodeNotFound || codes[5] != "" || codes[6] != "" || !errors.Is(errs[7], errHalfDone) {
		t.Fatalf("errors = %v (codes %q)", errs, codes)
	}
	if atts, err := s.Attempts(ctx, "INC-1", "u-1"); err != nil || len(atts) != 1 {
		t.Errorf("u-1 attempts = %+v, %v; want the claim committed", atts, err)
	}
	if d, err := s.Delivery(ctx, store.DeliveryKey{IncidentID: "INC-1", SubjectID: "u-2"}); err != nil || d.Outcome != incident.OutcomeSent {
		t.Errorf("u-2 outcome = %q, %v; want sent", d.Outcome, err)
	}
	keys, err := s.ToQueue(ctx, 10)
	if err != nil || len(keys) != 1 || keys[0].SubjectID != "u-0" {
		t.Errorf("ToQueue = %v, %v; want u-0 alone (u-1 queued, u-2 sent, u-0's failed write undone)", keys, err)
	}
}

var errHalfDone = errors.New("failed half-way")

// failAfterWriting marks u-0 queued, then fails: its savepoint must undo
// the mark.
func failAfterWriting(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, markQueuedSQL, "INC-1", "u-0"); err != nil {
		return err
	}
	return errHalfDone
}

// TestBatchCancelledCaller: a caller whose context ends while its write is
// queued returns at once, though the writer is still held; its write is not
// made, and the batch goes on without it.
func TestBatchCancelledCaller(t *testing.T) {
	s := seedBatchTest(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan struct{})
	errs := inOneBatch(t, s,
		func() {
			cancel()
			<-returned // before the writer is let go
		},
		func() error {
			defer close(returned)
			_, err := s.ClaimAttempt(ctx, claimOf("u-1"))
			return err
		},
		func() error {
			_, err := s.ClaimAttempt(context.Background(), claimOf("u-2"))
			return err
		},
	)
	if !errors.Is(errs[0], context.Canceled) || errs[1] != nil {
		t.Fatalf("errors = %v; want the cancelled claim cancelled, the other made", errs)
	}
	bg := context.Background()
	atts, err := s.Attempts(bg, "INC-1", "u-1")
	if err != nil || len(atts) != 0 {
		t.Errorf("u-1 attempts = %+v, %v; a cancelled caller's write must not be made", atts, err)
	}
	if atts, err := s.Attempts(bg, "INC-1", "u-2"); err != nil || len(atts) != 1 {
		t.Errorf("u-2 attempts = %+v, %v; want the claim made", atts, err)
	}
	if ok, err := s.ClaimAttempt(bg, claimOf("u-1")); err != nil || !ok {
		t.Errorf("claim after a cancelled one = %v, %v; want claimed", ok, err)
	}
}

// TestCloseDrainsBatcher: writes handed in before Close are made and
// answered; writes after it are refused.
func TestCloseDrainsBatcher(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	seedSubjects(t, s, 4)
	ctx := context.Background()
	h := holdWriter(t, s)
	errs := make(chan error, 3)
	for _, id := range []string{"u-1", "u-2", "u-3"} {
		go func() { _, err := s.ClaimAttempt(ctx, claimOf(id)); errs <- err }()
	}
	waitFor(func() bool { return s.batch.stats.writes.Load()+int64(len(s.batch.ops)) == 3 })
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	waitFor(func() bool { return isClosed(s.batch.stop) })
	h.let(t)
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("claim handed in before Close: %v", err)
		}
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := s.ClaimAttempt(ctx, claimOf("u-4")); err == nil {
		t.Error("claim after Close succeeded")
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range []string{"u-1", "u-2", "u-3"} {
		if atts, err := s.Attempts(ctx, "INC-1", id); err != nil || len(atts) != 1 {
			t.Errorf("%s attempts after reopening = %+v, %v; want the claim kept", id, atts, err)
		}
	}
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
