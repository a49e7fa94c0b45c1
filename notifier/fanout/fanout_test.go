package fanout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/incident/stream"
)

func TestJobRoundTrip(t *testing.T) {
	key := store.DeliveryKey{IncidentID: "INC-1", SubjectID: "u-7"}
	m := Encode(key)
	if string(m.Key) != "u-7" {
		t.Errorf("message key %q, want the subject id", m.Key)
	}
	got, err := Decode(m)
	if err != nil || got != key {
		t.Fatalf("Decode = %+v, %v", got, err)
	}
}

func TestDecodeNamesTheBadField(t *testing.T) {
	for value, field := range map[string]string{
		`not json`:                 "job",
		`{"subject_id":"u-1"}`:     "job.incident_id",
		`{"incident_id":"INC-1"}`:  "job.subject_id",
		`{"incident_id":"","x":1}`: "job.incident_id",
	} {
		_, err := Decode(kafka.Message{Value: []byte(value)})
		if incident.ErrorCode(err) != incident.CodeInvalid || incident.ErrorField(err) != field {
			t.Errorf("Decode(%s) = %v; want invalid %s", value, err, field)
		}
	}
}

// openIncident stores an incident whose decision requires telling n people.
func openIncident(t *testing.T, n int) store.Store {
	t.Helper()
	st := incidenttest.OpenStore(t)
	subjects := make([]incident.Subject, n)
	for i := range subjects {
		subjects[i] = incident.Subject{ID: fmt.Sprintf("u-%05d", i), Email: "p@example.com"}
	}
	_, err := st.ApplyEvent(context.Background(), "e1", "INC-1", incident.TypeOpened, func(tx store.Tx) error {
		d, err := tx.AppendDecision(incident.Decision{IncidentID: "INC-1", NotifySubjects: true, Risk: incident.RiskHigh})
		if err != nil {
			return err
		}
		if err := tx.PutIncident(incident.Incident{ID: "INC-1", Status: incident.StatusOpen, Decision: d,
			Facts: incident.Facts{IncidentID: "INC-1"}}); err != nil {
			return err
		}
		_, err = tx.AddSubjects("INC-1", subjects)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Every person to tell becomes exactly one job on the real topic, keyed by
// subject, and is then no longer listed for queueing.
func TestEnqueuerEmitsOneJobPerPerson(t *testing.T) {
	const n = 2500
	st := openIncident(t, n)
	b, err := stream.StartBroker(stream.BrokerConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	w := stream.NewWriter(b.Addrs(), stream.TopicNotifications)
	defer w.Close()
	e := NewEnqueuer(st, w, zap.NewNop(), Config{Batch: 1000, PollInterval: 10 * time.Millisecond}, nil)
	stop := runEnqueuer(t, e)
	deadline := time.Now().Add(10 * time.Second)
	for left, _ := st.ToQueue(context.Background(), 1); len(left) > 0; left, _ = st.ToQueue(context.Background(), 1) {
		if time.Now().After(deadline) {
			t.Fatal("people still waiting to be queued")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if seen := readJobs(t, b.Addrs()); len(seen) != n {
		t.Fatalf("%d distinct jobs, want %d", len(seen), n)
	}
}

// A write that fails marks nobody queued: the round is tried again and no
// person is lost.
func TestFailedWriteLosesNobody(t *testing.T) {
	st := openIncident(t, 30)
	w := &flakyWriter{failures: 2}
	e := NewEnqueuer(st, w, zap.NewNop(), Config{Batch: 10, PollInterval: 10 * time.Millisecond, RetryBackoff: time.Millisecond}, nil)
	stop := runEnqueuer(t, e)
	deadline := time.Now().Add(5 * time.Second)
	for w.count() < 30 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if got := w.count(); got != 30 {
		t.Fatalf("%d distinct jobs written, want 30", got)
	}
	if w.calls < 5 {
		t.Errorf("%d writes, want the 2 failures retried on top of 3 batches", w.calls)
	}
}

func TestHandlerAcknowledgesGarbageAndDeliversJobs(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	var got []store.DeliveryKey
	h := Handler(func(_ context.Context, k store.DeliveryKey) error { got = append(got, k); return nil }, zap.New(core))
	if err := h(context.Background(), kafka.Message{Value: []byte("garbage")}); err != nil {
		t.Errorf("garbage job: %v, want acknowledged", err)
	}
	if logs.FilterMessage("delivery job dropped").Len() != 1 {
		t.Error("a dropped job was not logged")
	}
	if err := h(context.Background(), Encode(store.DeliveryKey{IncidentID: "I", SubjectID: "s"})); err != nil || len(got) != 1 {
		t.Errorf("job: %v, delivered %v", err, got)
	}
	fail := Handler(func(context.Context, store.DeliveryKey) error { return errors.New("store down") }, zap.NewNop())
	if err := fail(context.Background(), Encode(store.DeliveryKey{IncidentID: "I", SubjectID: "s"})); err == nil {
		t.Error("a job that is not final was acknowledged")
	}
}

func runEnqueuer(t *testing.T, e *Enqueuer) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

// readJobs reads every job on the topic.
func readJobs(t *testing.T, brokers []string) map[store.DeliveryKey]bool {
	t.Helper()
	seen := map[store.DeliveryKey]bool{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for p := 0; p < stream.DefaultPartitions; p++ {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: stream.TopicNotifications, Partition: p, MaxWait: 50 * time.Millisecond})
		for ctx.Err() == nil {
			lag, err := r.ReadLag(ctx)
			if err != nil || lag == 0 {
				break
			}
			m, err := r.ReadMessage(ctx)
			if err != nil {
				break
			}
			k, err := Decode(m)
			if err != nil || string(m.Key) != k.SubjectID {
				t.Fatalf("bad job on the topic: %v", err)
			}
			seen[k] = true
		}
		r.Close()
	}
	return seen
}

type flakyWriter struct {
	mu       sync.Mutex
	failures int
	calls    int
	written  int // jobs written, duplicates included
	jobs     map[string]bool
}

func (w *flakyWriter) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	if w.failures > 0 {
		w.failures--
		return errors.New("broker unavailable")
	}
	if w.jobs == nil {
		w.jobs = map[string]bool{}
	}
	for _, m := range msgs {
		w.jobs[string(m.Key)] = true
	}
	w.written += len(msgs)
	return nil
}

func (w *flakyWriter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.jobs)
}

// Two enqueuers on one store (two incidentd processes) queue each person
// once: only the lease holder reads and writes.
func TestTwoEnqueuersQueueEachPersonOnce(t *testing.T) {
	st := openIncident(t, 3000)
	w := &flakyWriter{}
	cfg := Config{Batch: 100, PollInterval: 5 * time.Millisecond}
	stops := []func(){
		runEnqueuer(t, NewEnqueuer(st, w, zap.NewNop(), cfg, nil)),
		runEnqueuer(t, NewEnqueuer(st, w, zap.NewNop(), cfg, nil)),
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.count() < 3000 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for _, stop := range stops {
		stop()
	}
	if w.count() != 3000 || w.written != 3000 {
		t.Errorf("%d people queued in %d jobs, want 3000 in 3000", w.count(), w.written)
	}
}
