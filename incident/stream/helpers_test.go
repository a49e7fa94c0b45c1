package stream

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap/zaptest"
)

// waitFor bounds every wait in these tests.
const waitFor = 15 * time.Second

func startBroker(t *testing.T, addr, dir string) *Broker {
	t.Helper()
	return startBrokerConfig(t, BrokerConfig{Addr: addr, DataDir: dir})
}

// startBrokerConfig starts the embedded broker and stops it after the test.
func startBrokerConfig(t testing.TB, cfg BrokerConfig) *Broker {
	t.Helper()
	b, err := StartBroker(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func testConfig(t *testing.T, b *Broker, group string) ConsumerConfig {
	return ConsumerConfig{
		Brokers:  b.Addrs(),
		GroupID:  group,
		Logger:   zaptest.NewLogger(t),
		MaxWait:  100 * time.Millisecond,
		RetryMin: 10 * time.Millisecond,
		RetryMax: 200 * time.Millisecond,
	}
}

func produce(t *testing.T, brokers []string, topic string, msgs ...kafka.Message) {
	t.Helper()
	w := NewWriter(brokers, topic)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

func msg(key, value string, headers ...string) kafka.Message {
	m := kafka.Message{Key: []byte(key), Value: []byte(value)}
	for i := 0; i+1 < len(headers); i += 2 {
		m.Headers = append(m.Headers, kafka.Header{Key: headers[i], Value: []byte(headers[i+1])})
	}
	return m
}

// running is a consumer started in the background; stop cancels it and
// checks that Run returned nil in time.
type running struct {
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, cfg ConsumerConfig, h Handler) *running {
	t.Helper()
	c, err := NewConsumer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- c.Run(ctx, h) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok && err != nil {
			t.Errorf("Run returned %v, want nil", err)
		}
		if ok {
			close(r.done)
		}
	case <-time.After(waitFor):
		t.Fatal("Run did not return after cancel")
	}
}

// recorder is a handler that records what it was given.
type recorder struct {
	mu   sync.Mutex
	msgs []kafka.Message
	more chan struct{}
}

func newRecorder() *recorder { return &recorder{more: make(chan struct{}, 1000)} }

func (r *recorder) handle(_ context.Context, m kafka.Message) error {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	r.more <- struct{}{}
	return nil
}

// wait blocks until n messages in all were recorded and returns them.
func (r *recorder) wait(t *testing.T, n int) []kafka.Message {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		r.mu.Lock()
		got := append([]kafka.Message(nil), r.msgs...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-r.more:
		case <-deadline:
			t.Fatalf("got %d messages, want %d", len(got), n)
		}
	}
}

func values(ms []kafka.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.Value)
	}
	return out
}

// assertOnlyNew proves earlier messages were committed for group: a fresh
// member of the group gets exactly the marker produced now, nothing older.
func assertOnlyNew(t *testing.T, b *Broker, group string) {
	t.Helper()
	marker := fmt.Sprintf("marker-%d", time.Now().UnixNano())
	produce(t, b.Addrs(), TopicIncidents, msg("INC-marker", marker))
	rec := newRecorder()
	r := start(t, testConfig(t, b, group), rec.handle)
	rec.wait(t, 1)
	// Give a wrongly uncommitted message on another partition time to show.
	time.Sleep(300 * time.Millisecond)
	r.stop(t)
	got := rec.wait(t, 1)
	if len(got) != 1 || string(got[0].Value) != marker {
		t.Fatalf("after commit the group got %q, want only the marker", values(got))
	}
}
