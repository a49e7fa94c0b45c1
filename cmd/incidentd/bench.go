package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/herald-notify/herald/examples"
	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/stream"
	"github.com/herald-notify/herald/notifier"
)

// benchResult is what `incidentd bench` prints.
type benchResult struct {
	Subjects            int     `json:"subjects"`
	Workers             int     `json:"workers"`
	ProviderLatencyMS   float64 `json:"provider_latency_ms"`
	ElapsedSec          float64 `json:"elapsed_sec"`
	NotificationsPerSec float64 `json:"notifications_per_sec"`
	P50JobLatencyMS     float64 `json:"p50_job_latency_ms"`
	P99JobLatencyMS     float64 `json:"p99_job_latency_ms"`
	PeakRSSMiB          float64 `json:"peak_rss_mib"`
	Sent                int64   `json:"sent"`
	ProviderCalls       int64   `json:"provider_calls"`
}

// runBench runs N synthetic people through the whole pipeline in this
// process: subjects events on the embedded broker, the SQLite ledger,
// delivery jobs on security.notifications, and in-process fake providers
// that count what they are asked to send. Subjects are generated and
// produced in batches, never held whole.
func runBench(args []string) int {
	fs := flag.NewFlagSet("incidentd bench", flag.ContinueOnError)
	n := fs.Int("subjects", 100000, "people to tell")
	workers := fs.Int("workers", DefaultConfig().Workers, "deliveries in flight at once")
	latency := fs.Duration("provider-latency", 0, "time each fake provider call takes")
	dir := fs.String("data-dir", "", "where to keep the store and broker log (default: a temporary directory, removed after)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "incidentd bench:", err)
			return 1
		}
		defer stop()
	}
	if *n < 1 || *workers < 1 {
		fmt.Fprintln(os.Stderr, "incidentd bench: subjects and workers must be at least 1")
		return 2
	}
	res, err := bench(*n, *workers, *latency, *dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "incidentd bench:", err)
		return 1
	}
	out, _ := json.MarshalIndent(res, "", "  ")
	fmt.Println(string(out))
	return 0
}

func bench(n, workers int, latency time.Duration, dir string) (benchResult, error) {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "herald-bench-")
		if err != nil {
			return benchResult{}, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	cfg := DefaultConfig()
	cfg.DataDir, cfg.HTTPAddr, cfg.EmbeddedKafkaAddr, cfg.Workers = dir, "127.0.0.1:0", "127.0.0.1:0", workers
	fake := &countingProvider{latency: latency}
	lat := &latencies{}
	m := &Main{Config: cfg, Log: zap.NewNop(), JobDone: lat.add, Channels: map[string]notifier.Notifier{
		incident.ChannelPush: fake, incident.ChannelSMS: fake, incident.ChannelEmail: fake}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() { cancel(); <-done }()
	select {
	case <-m.Ready():
	case err := <-done:
		return benchResult{}, err
	}
	start := time.Now()
	if err := produceBenchSubjects(ctx, m.Brokers(), n); err != nil {
		return benchResult{}, err
	}
	if err := lat.wait(ctx, n, 30*time.Minute); err != nil {
		return benchResult{}, err
	}
	elapsed := time.Since(start)
	return benchResult{
		Subjects: n, Workers: workers, ProviderLatencyMS: ms(latency), ElapsedSec: elapsed.Seconds(),
		NotificationsPerSec: float64(n) / elapsed.Seconds(),
		P50JobLatencyMS:     ms(lat.quantile(0.50)), P99JobLatencyMS: ms(lat.quantile(0.99)),
		PeakRSSMiB: peakRSSMiB(), Sent: fake.sent.Load(), ProviderCalls: fake.calls.Load(),
	}, nil
}

// produceBenchSubjects opens the demo incident (its decision requires
// telling people) and streams n synthetic people in batches of 1,000.
func produceBenchSubjects(ctx context.Context, brokers []string, n int) error {
	opened, err := fs.ReadFile(examples.Demo, "demo/incident.json")
	if err != nil {
		return err
	}
	var head struct {
		Subject string `json:"subject"`
	}
	if err := json.Unmarshal(opened, &head); err != nil {
		return fmt.Errorf("read demo incident: %w", err)
	}
	w := stream.NewWriter(brokers, stream.TopicIncidents)
	defer w.Close()
	send := func(v []byte) error {
		return w.WriteMessages(ctx, kafka.Message{Key: []byte(head.Subject), Value: v,
			Headers: []kafka.Header{{Key: "content-type", Value: []byte("application/cloudevents+json")}}})
	}
	if err := send(opened); err != nil {
		return fmt.Errorf("produce opened event: %w", err)
	}
	const batch = 1000
	for first := 0; first < n; first += batch {
		if err := send(benchSubjectsEvent(head.Subject, first, min(batch, n-first))); err != nil {
			return fmt.Errorf("produce subjects: %w", err)
		}
	}
	return nil
}

// benchSubjectsEvent makes people first..first+count-1, each with a push
// token and an email address, so each is told by push once.
func benchSubjectsEvent(incidentID string, first, count int) []byte {
	subjects := make([]incident.Subject, count)
	for i := range subjects {
		id := first + i
		subjects[i] = incident.Subject{ID: "b-" + strconv.Itoa(id), Email: "b" + strconv.Itoa(id) + "@example.com",
			PushTokens: []string{"bench-token-" + strconv.Itoa(id)}, Jurisdiction: "DE"}
	}
	v, _ := json.Marshal(map[string]any{
		"specversion": "1.0", "id": "evt-bench-subjects-" + strconv.Itoa(first), "source": "urn:herald:bench",
		"type": incident.TypeSubjects, "subject": incidentID, "datacontenttype": "application/json",
		"data": incident.SubjectsBatch{IncidentID: incidentID, Subjects: subjects},
	})
	return v
}

// countingProvider is an in-process fake provider for every channel.
type countingProvider struct {
	latency time.Duration
	calls   atomic.Int64
	sent    atomic.Int64
}

func (p *countingProvider) Notify(ctx context.Context, d notifier.Delivery) (notifier.Receipt, error) {
	if strings.HasPrefix(d.SubjectID, "authority:") {
		return notifier.Receipt{Provider: "bench", ProviderID: "report"}, nil // a regulator report, not a person
	}
	p.calls.Add(1)
	if p.latency > 0 {
		select {
		case <-time.After(p.latency):
		case <-ctx.Done():
			return notifier.Receipt{}, notifier.Retryable("cancelled", 0)
		}
	}
	p.sent.Add(1)
	return notifier.Receipt{Provider: "bench", ProviderID: d.Channel + "-" + d.SubjectID}, nil
}

// latencies collects each finished job's time from queued to final.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.d)
}

func (l *latencies) wait(ctx context.Context, n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for l.count() < n {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d jobs finished in %s", l.count(), n, limit)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

func (l *latencies) quantile(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// peakRSSMiB reads the process's peak resident set (VmHWM, Linux).
func peakRSSMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	return parseVmHWM(f)
}

func parseVmHWM(r io.Reader) float64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return -1
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
