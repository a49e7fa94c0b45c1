package stream

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"
)

// startBrokerWith starts an embedded broker whose topics have the given
// number of partitions, persisting to a temporary directory.
func startBrokerWith(t testing.TB, partitions int) *Broker {
	t.Helper()
	return startBrokerConfig(t, BrokerConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Partitions: partitions})
}

func parallelConfig(t *testing.T, b *Broker, group string) ParallelConfig {
	return ParallelConfig{
		Brokers:           b.Addrs(),
		GroupID:           group,
		Logger:            zaptest.NewLogger(t),
		CommitInterval:    20 * time.Millisecond,
		RetryBackoff:      10 * time.Millisecond,
		MaxRetryBackoff:   100 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond,
	}
}

// produceJobs puts n delivery jobs on the notifications topic, keyed by
// key(i); value i is "job-i".
func produceJobs(t testing.TB, brokers []string, n int, key func(i int) string) {
	t.Helper()
	w := NewWriter(brokers, TopicNotifications)
	w.BatchSize = 1000
	defer w.Close()
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte(key(i)), Value: fmt.Appendf(nil, "job-%d", i)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

func oneSubject(int) string     { return "subject-1" }
func manySubjects(i int) string { return fmt.Sprintf("subject-%d", i) }

// runningParallel is a ParallelConsumer started in the background.
type runningParallel struct {
	*ParallelConsumer
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

func startParallel(t *testing.T, cfg ParallelConfig, h Handler) *runningParallel {
	t.Helper()
	c, err := NewParallelConsumer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningParallel{ParallelConsumer: c, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- c.Run(ctx, h) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels Run and checks that it returned nil in time.
func (r *runningParallel) stop(t *testing.T) {
	t.Helper()
	r.once.Do(func() {
		r.cancel()
		select {
		case err := <-r.done:
			if err != nil {
				t.Errorf("Run returned %v, want nil", err)
			}
		case <-time.After(waitFor):
			t.Fatal("Run did not return after cancel")
		}
	})
}

// eventually polls cond until it holds, failing the test after waitFor.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// committedOffsets asks the broker what group has committed on the
// notifications topic; -1 means nothing.
func committedOffsets(t *testing.T, b *Broker, group string, partitions int) map[int]int64 {
	t.Helper()
	ids := make([]int, partitions)
	for i := range ids {
		ids[i] = i
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	c := &kafka.Client{Addr: kafka.TCP(b.Addrs()...)}
	resp, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{TopicNotifications: ids}})
	if err == nil {
		err = resp.Error
	}
	if err != nil {
		t.Fatalf("fetch committed offsets: %v", err)
	}
	out := map[int]int64{}
	for _, p := range resp.Topics[TopicNotifications] {
		if p.Error != nil {
			t.Fatalf("fetch committed offset of partition %d: %v", p.Partition, p.Error)
		}
		out[p.Partition] = p.CommittedOffset
	}
	return out
}

// position is where a message sits.
type position struct {
	partition int
	offset    int64
}

// ledger records which messages a handler finished, and how often.
type ledger struct {
	mu   sync.Mutex
	seen map[position]int
}

func newLedger() *ledger { return &ledger{seen: map[position]int{}} }

func (l *ledger) record(m kafka.Message) {
	l.mu.Lock()
	l.seen[position{m.Partition, m.Offset}]++
	l.mu.Unlock()
}

func (l *ledger) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.seen)
}

func (l *ledger) snapshot() map[position]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.seen)
}

// Message 0's handler blocks until 1..50 are done: the group's committed
// offset stays at 0 meanwhile, and covers all 51 once 0 is done.
func TestParallelCommitsOnlyTheCompletedPrefix(t *testing.T) {
	b := startBrokerWith(t, 1)
	const group, n = "herald-prefix", 51
	produceJobs(t, b.Addrs(), n, oneSubject)
	release := make(chan struct{})
	done := newLedger()
	r := startParallel(t, parallelConfig(t, b, group), func(ctx context.Context, m kafka.Message) error {
		if m.Offset == 0 {
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		done.record(m)
		return nil
	})
	eventually(t, "messages 1..50 done", func() bool { return done.len() == n-1 })
	eventually(t, "a commit while 0 blocks", func() bool { _, ok := r.Stats().Committed[0]; return ok })
	time.Sleep(5 * 20 * time.Millisecond) // several commit intervals in which a wrong commit would show
	if got := committedOffsets(t, b, group, 1)[0]; got > 0 {
		t.Fatalf("committed offset %d while message 0 is still running", got)
	}
	if s := r.Stats(); s.Held != n+1 || s.InFlight != 1 || s.Committed[0] != 0 {
		t.Fatalf("while 0 blocks: %+v, want %d held (and one waiting fetch), 1 in flight, committed 0", s, n)
	}
	close(release)
	eventually(t, "everything committed", func() bool { return committedOffsets(t, b, group, 1)[0] == n })
	if s := r.Stats(); s.Held != 1 || s.Handled != n {
		t.Errorf("after completion: %+v", s)
	}
}

// One message keeps failing while 500 behind it on the same partition are
// handled; it is retried with growing waits and committed once it succeeds.
func TestParallelNoHeadOfLineBlocking(t *testing.T) {
	b := startBrokerWith(t, 1)
	const group, n = "herald-hol", 501
	produceJobs(t, b.Addrs(), n, oneSubject)
	cfg := parallelConfig(t, b, group)
	cfg.RetryBackoff, cfg.MaxRetryBackoff = 20*time.Millisecond, 80*time.Millisecond
	var (
		healthy  atomic.Bool
		mu       sync.Mutex
		attempts []time.Time
	)
	done := newLedger()
	r := startParallel(t, cfg, func(_ context.Context, m kafka.Message) error {
		if m.Offset == 0 {
			mu.Lock()
			attempts = append(attempts, time.Now())
			mu.Unlock()
			if !healthy.Load() {
				return errors.New("provider unavailable")
			}
		}
		done.record(m)
		return nil
	})
	attemptCount := func() int { mu.Lock(); defer mu.Unlock(); return len(attempts) }
	eventually(t, "the 500 others done", func() bool { return done.len() == n-1 })
	if _, ok := done.snapshot()[position{0, 0}]; ok {
		t.Fatal("the failing message succeeded")
	}
	eventually(t, "4 attempts and a wait", func() bool { return attemptCount() >= 4 && r.Stats().WaitingRetry == 1 })
	if got := r.Stats().Committed[0]; got > 0 {
		t.Fatalf("committed %d past the failing message", got)
	}
	healthy.Store(true)
	eventually(t, "everything committed", func() bool { return committedOffsets(t, b, group, 1)[0] == n })

	mu.Lock()
	defer mu.Unlock()
	wait := cfg.RetryBackoff
	for i := 1; i < len(attempts); i++ {
		// Jitter takes a wait anywhere in [d/2, d] for a nominal d that doubles.
		if gap := attempts[i].Sub(attempts[i-1]); gap < wait/2 {
			t.Errorf("attempt %d came %v after the previous one, want at least %v", i+1, gap, wait/2)
		}
		wait = min(2*wait, cfg.MaxRetryBackoff)
	}
	if f := r.Stats().Failures; f != int64(len(attempts)-1) {
		t.Errorf("failures %d, want %d", f, len(attempts)-1)
	}
}

// A consumer stopped mid-run leaves uncommitted exactly what was not done:
// the next member of the group gets each partition from its first unfinished
// message on, and nothing before it.
func TestParallelRestartRedeliversOnlyWhatWasNotDone(t *testing.T) {
	b := startBrokerWith(t, 3)
	const group, n = "herald-restart-parallel", 300
	produceJobs(t, b.Addrs(), n, manySubjects)
	stuck := func(m kafka.Message) bool { return m.Offset%10 == 7 }
	delivered, done := newLedger(), newLedger()
	var blocked atomic.Int32
	first := startParallel(t, parallelConfig(t, b, group), func(ctx context.Context, m kafka.Message) error {
		delivered.record(m)
		if stuck(m) {
			blocked.Add(1)
			<-ctx.Done() // never finishes: the consumer is stopped first
			return ctx.Err()
		}
		done.record(m)
		return nil
	})
	eventually(t, "every message delivered, the free ones done", func() bool {
		return delivered.len() == n && done.len() == n-int(blocked.Load())
	})
	ends, firstStuck := map[int]int64{}, map[int]int64{}
	for p := range delivered.snapshot() {
		ends[p.partition] = max(ends[p.partition], p.offset+1)
	}
	for p, end := range ends {
		firstStuck[p] = min(7, end)
	}
	eventually(t, "commits caught up", func() bool { return maps.Equal(first.Stats().Committed, firstStuck) })
	first.stop(t)
	if got := committedOffsets(t, b, group, 3); !maps.Equal(got, firstStuck) {
		t.Fatalf("committed %v after stop, want the first unfinished offsets %v", got, firstStuck)
	}

	again := newLedger()
	second := startParallel(t, parallelConfig(t, b, group), func(_ context.Context, m kafka.Message) error {
		again.record(m)
		return nil
	})
	want := map[position]int{}
	for p, end := range ends {
		for off := firstStuck[p]; off < end; off++ {
			want[position{p, off}] = 1
		}
	}
	eventually(t, "redelivery", func() bool { return again.len() >= len(want) })
	eventually(t, "second consumer's commits", func() bool { return maps.Equal(second.Stats().Committed, ends) })
	second.stop(t)
	if got := again.snapshot(); !maps.Equal(got, want) {
		t.Fatalf("redelivered %d messages, want exactly the %d from the first unfinished on: %v", len(got), len(want), got)
	}
	all := done.snapshot()
	maps.Copy(all, again.snapshot())
	if len(all) != n {
		t.Fatalf("%d of %d messages handled overall", len(all), n)
	}
}

// What was done after the last periodic commit is committed when Run stops.
func TestParallelCommitsAtShutdown(t *testing.T) {
	b := startBrokerWith(t, 3)
	const group, n = "herald-parallel-shutdown", 30
	produceJobs(t, b.Addrs(), n, manySubjects)
	cfg := parallelConfig(t, b, group)
	cfg.CommitInterval = time.Hour
	done := newLedger()
	r := startParallel(t, cfg, func(_ context.Context, m kafka.Message) error {
		done.record(m)
		return nil
	})
	eventually(t, "all handled", func() bool { return done.len() == n })
	if c := r.Stats().Committed; len(c) != 0 {
		t.Fatalf("committed %v before the first interval", c)
	}
	r.stop(t)
	var total int64
	for _, off := range committedOffsets(t, b, group, 3) {
		total += max(off, 0)
	}
	if total != n {
		t.Fatalf("committed offsets add up to %d after stop, want %d", total, n)
	}
}

// At most Concurrency handlers run at once, and that many do.
func TestParallelConcurrencyBound(t *testing.T) {
	b := startBrokerWith(t, 3)
	const n, limit = 200, 4
	produceJobs(t, b.Addrs(), n, manySubjects)
	cfg := parallelConfig(t, b, "herald-concurrency")
	cfg.Concurrency = limit
	var running, peak, started atomic.Int32
	gate := make(chan struct{})
	done := newLedger()
	r := startParallel(t, cfg, func(_ context.Context, m kafka.Message) error {
		now := running.Add(1)
		defer running.Add(-1)
		for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
		}
		if started.Add(1) <= limit {
			<-gate // the first ones hold their places until all are taken
		}
		done.record(m)
		return nil
	})
	eventually(t, "all places taken", func() bool { return running.Load() == limit })
	time.Sleep(100 * time.Millisecond) // room for a fifth handler to start wrongly
	if s := r.Stats(); started.Load() != limit || s.InFlight != limit {
		t.Fatalf("%d handlers started, %d in flight while %d block", started.Load(), s.InFlight, limit)
	}
	close(gate)
	eventually(t, "all handled", func() bool { return done.len() == n })
	if p := peak.Load(); p != limit {
		t.Errorf("peak concurrency %d, want %d", p, limit)
	}
}

// With message 0 unfinished nothing becomes committable, so fetching stops
// once Window messages are held; it resumes when 0 is done.
func TestParallelWindowBound(t *testing.T) {
	b := startBrokerWith(t, 1)
	const group, n, window = "herald-window", 100, 20
	produceJobs(t, b.Addrs(), n, oneSubject)
	cfg := parallelConfig(t, b, group)
	cfg.Window = window
	release := make(chan struct{})
	delivered := newLedger()
	r := startParallel(t, cfg, func(ctx context.Context, m kafka.Message) error {
		delivered.record(m)
		if m.Offset == 0 {
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	eventually(t, "a full window", func() bool { return delivered.len() == window && r.Stats().Held == window })
	time.Sleep(100 * time.Millisecond) // room for a fetch past the window to show
	if got := delivered.len(); got != window {
		t.Fatalf("%d messages delivered with a window of %d", got, window)
	}
	close(release)
	eventually(t, "everything committed", func() bool { return committedOffsets(t, b, group, 1)[0] == n })
	if got := delivered.len(); got != n {
		t.Fatalf("%d of %d delivered", got, n)
	}
}

// Two members of one group split the partitions, each message is handled
// once, and when one leaves the other takes over from its commits.
func TestParallelConsumersShareTheWork(t *testing.T) {
	b := startBrokerWith(t, 3)
	const group = "herald-share"
	handledBy := map[string]*ledger{"a": newLedger(), "b": newLedger()}
	handler := func(name string) Handler {
		return func(_ context.Context, m kafka.Message) error {
			handledBy[name].record(m)
			return nil
		}
	}
	ca := startParallel(t, parallelConfig(t, b, group), handler("a"))
	eventually(t, "a owns all partitions", func() bool { return len(ca.Stats().Partitions) == 3 })
	cb := startParallel(t, parallelConfig(t, b, group), handler("b"))
	eventually(t, "the partitions split between a and b", func() bool {
		pa, pb := ca.Stats().Partitions, cb.Stats().Partitions
		return len(pa) > 0 && len(pb) > 0 && len(pa)+len(pb) == 3
	})
	produceJobs(t, b.Addrs(), 300, manySubjects)
	total := func() int { return handledBy["a"].len() + handledBy["b"].len() }
	eventually(t, "300 handled", func() bool { return total() >= 300 })
	owner := map[int]string{}
	for name, l := range handledBy {
		for p, times := range l.snapshot() {
			if times != 1 {
				t.Errorf("%s handled %v %d times", name, p, times)
			}
			if o, ok := owner[p.partition]; ok && o != name {
				t.Errorf("partition %d handled by both a and b", p.partition)
			}
			owner[p.partition] = name
		}
	}
	if handledBy["a"].len() == 0 || handledBy["b"].len() == 0 {
		t.Fatalf("a handled %d, b %d: the work was not shared", handledBy["a"].len(), handledBy["b"].len())
	}

	cb.stop(t)
	eventually(t, "a takes all partitions back", func() bool { return len(ca.Stats().Partitions) == 3 })
	produceJobs(t, b.Addrs(), 60, manySubjects)
	eventually(t, "360 handled", func() bool { return total() >= 360 })
	time.Sleep(100 * time.Millisecond) // room for a redelivery of b's work to show
	if got := total(); got != 360 {
		t.Fatalf("%d handled, want 360: b's finished work came again", got)
	}
}

// The broker refuses some fetches and commits: both are retried, logged by
// position only, and everything ends up handled and committed.
func TestParallelFetchAndCommitFaultsAreRetried(t *testing.T) {
	b := startBrokerWith(t, 1)
	const group, n = "herald-parallel-faults", 20
	fetches := b.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Topic: TopicNotifications, Count: 2})
	commits := b.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetCommit}, Group: group, Count: 3})
	w := NewWriter(b.Addrs(), TopicNotifications)
	defer w.Close()
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte("subject-1"), Value: fmt.Appendf(nil, `{"email":"ana-%d@example.com"}`, i)}
	}
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	cfg := parallelConfig(t, b, group)
	cfg.Logger = zap.New(core)
	done := newLedger()
	r := startParallel(t, cfg, func(_ context.Context, m kafka.Message) error {
		done.record(m)
		return nil
	})
	waitFault(t, fetches, 2)
	waitFault(t, commits, 3)
	eventually(t, "everything committed", func() bool { return committedOffsets(t, b, group, 1)[0] == n })
	r.stop(t)
	if done.len() != n {
		t.Errorf("%d of %d handled", done.len(), n)
	}
	for _, what := range []string{"fetch message failed; retrying", "commit offsets failed; retrying at the next interval", "commit offsets recovered"} {
		if logs.FilterMessage(what).Len() == 0 {
			t.Errorf("no %q logged", what)
		}
	}
	assertNoValueLogged(t, logs, "@example.com")
}

// A second member joins while the first has handlers blocked and retries
// pending: nothing is lost, every partition ends committed at its end, and
// what the first member finished after losing a partition may come again.
func TestParallelRebalanceMidRunLosesNothing(t *testing.T) {
	b := startBrokerWith(t, 3)
	const group, n = "herald-rebalance", 600
	produceJobs(t, b.Addrs(), n, manySubjects)
	gate := make(chan struct{})
	var failedOnce sync.Map
	handledBy := map[string]*ledger{"a": newLedger(), "b": newLedger()}
	handler := func(name string) Handler {
		return func(ctx context.Context, m kafka.Message) error {
			if m.Offset%50 == 5 {
				if _, loaded := failedOnce.LoadOrStore(position{m.Partition, m.Offset}, true); !loaded {
					return errors.New("provider busy")
				}
			}
			if name == "a" && handledBy["a"].len() >= 100 {
				select { // a stalls until b has joined
				case <-gate:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			handledBy[name].record(m)
			return nil
		}
	}
	cfg := parallelConfig(t, b, group)
	cfg.Concurrency = 8
	ca := startParallel(t, cfg, handler("a"))
	eventually(t, "a handled 100", func() bool { return handledBy["a"].len() >= 100 && ca.Stats().InFlight > 0 })
	cb := startParallel(t, cfg, handler("b"))
	eventually(t, "b assigned", func() bool { return len(cb.Stats().Partitions) > 0 })
	close(gate)

	union := func() map[position]int {
		all := handledBy["a"].snapshot()
		for p, k := range handledBy["b"].snapshot() {
			all[p] += k
		}
		return all
	}
	eventually(t, "every message handled", func() bool { return len(union()) == n })
	ends := map[int]int64{}
	for p := range union() {
		ends[p.partition] = max(ends[p.partition], p.offset+1)
	}
	eventually(t, "every partition committed at its end", func() bool {
		return maps.Equal(committedOffsets(t, b, group, 3), ends)
	})
	ca.stop(t)
	cb.stop(t)
	if got := committedOffsets(t, b, group, 3); !maps.Equal(got, ends) {
		t.Fatalf("committed %v after both stopped, want %v", got, ends)
	}
	if handledBy["b"].len() == 0 {
		t.Fatal("b handled nothing")
	}
	dups := 0
	for _, k := range union() {
		dups += k - 1
	}
	// Duplicates: what a finished beyond its committed prefix (held back by
	// a retried message that stalled at the gate) was delivered again.
	t.Logf("a handled %d, b %d; %d handled more than once", handledBy["a"].len(), handledBy["b"].len(), dups)
}

func TestParallelConfigValidate(t *testing.T) {
	ok := ParallelConfig{Brokers: []string{"127.0.0.1:9092"}, GroupID: "g"}
	bad := map[string]func(c *ParallelConfig){
		"brokers":            func(c *ParallelConfig) { c.Brokers = nil },
		"group id":           func(c *ParallelConfig) { c.GroupID = "" },
		"concurrency":        func(c *ParallelConfig) { c.Concurrency = -1 },
		"window":             func(c *ParallelConfig) { c.Window = -1 },
		"commit interval":    func(c *ParallelConfig) { c.CommitInterval = -1 },
		"heartbeat interval": func(c *ParallelConfig) { c.HeartbeatInterval = -1 },
		"retry backoff":      func(c *ParallelConfig) { c.RetryBackoff, c.MaxRetryBackoff = 2*time.Second, time.Second },
		"max retry backoff":  func(c *ParallelConfig) { c.MaxRetryBackoff = -1 },
	}
	if _, err := NewParallelConsumer(ok); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	for field, edit := range bad {
		c := ok
		edit(&c)
		err := c.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), field+":") {
			t.Errorf("%s: Validate() = %v, want an error naming the field", field, err)
		}
	}
	d := ok.withDefaults()
	if d.Topic != TopicNotifications || d.Concurrency != DefaultConcurrency || d.Window != DefaultWindow ||
		d.CommitInterval != DefaultCommitInterval || d.RetryBackoff != DefaultRetryBackoff || d.MaxRetryBackoff != DefaultMaxRetryBackoff {
		t.Errorf("defaults = %+v", d)
	}
	small := ParallelConfig{Brokers: ok.Brokers, GroupID: "g", MaxRetryBackoff: 50 * time.Millisecond}.withDefaults()
	if small.RetryBackoff != 50*time.Millisecond {
		t.Errorf("retry backoff %v above a max of 50ms", small.RetryBackoff)
	}
}

// BenchmarkParallelConsumer: 100,000 tiny jobs on three partitions, a handler
// that does nothing; each iteration is a new group joining and handling all
// of them (msgs/s), then committing them (untimed: at most one interval).
func BenchmarkParallelConsumer(b *testing.B) {
	const n = 100_000
	broker := startBrokerWith(b, DefaultPartitions)
	produceJobs(b, broker.Addrs(), n, manySubjects)
	var elapsed, cpu time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		cpu0 := processCPU(b)
		elapsed += consumeAll(b, broker, fmt.Sprintf("bench-%d", i), n)
		cpu += processCPU(b) - cpu0
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "msgs/s")
	// CPU time is what a loaded machine does not distort; it includes the
	// in-process broker serving the fetches and commits.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(n*b.N), "cpu-ns/msg")
}

// processCPU returns the user and system CPU time this process used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// consumeAll runs a consumer until it handled n messages and returns how
// long that took; then it waits until they are all committed.
func consumeAll(b *testing.B, broker *Broker, group string, n int) time.Duration {
	c, err := NewParallelConsumer(ParallelConfig{Brokers: broker.Addrs(), GroupID: group, Logger: zap.NewNop()})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var handled atomic.Int64
	allIn, stopped := make(chan struct{}), make(chan struct{})
	begin := time.Now()
	go func() {
		defer close(stopped)
		_ = c.Run(ctx, func(context.Context, kafka.Message) error {
			if handled.Add(1) == int64(n) {
				close(allIn)
			}
			return nil
		})
	}()
	defer func() { cancel(); <-stopped }()
	select {
	case <-allIn:
	case <-time.After(time.Minute):
		b.Fatalf("handled %d of %d", handled.Load(), n)
	}
	elapsed := time.Since(begin)
	for committed := int64(0); committed < int64(n); time.Sleep(time.Millisecond) {
		committed = 0
		for _, off := range c.Stats().Committed {
			committed += off
		}
	}
	return elapsed
}

// A handler that is not ready yet (ErrNotReady) is retried like any
// failure, but its wait is logged at debug level, not as a warning.
func TestParallelNotReadyIsRetriedQuietly(t *testing.T) {
	b := startBrokerWith(t, 1)
	produceJobs(t, b.Addrs(), 1, manySubjects)
	core, logs := observer.New(zapcore.DebugLevel)
	cfg := parallelConfig(t, b, "herald-not-ready")
	cfg.Logger = zap.New(core)
	var calls atomic.Int32
	handled := make(chan struct{})
	r := startParallel(t, cfg, func(context.Context, kafka.Message) error {
		if calls.Add(1) == 1 {
			return fmt.Errorf("%w: claimed by another sender", ErrNotReady)
		}
		close(handled)
		return nil
	})
	select {
	case <-handled:
	case <-time.After(10 * time.Second):
		t.Fatal("the message was not retried")
	}
	r.stop(t)
	failed := logs.FilterMessage("handle message failed; retrying").All()
	if len(failed) != 1 || failed[0].Level != zapcore.DebugLevel {
		t.Errorf("not-ready logged as %v, want once at debug", failed)
	}
}
