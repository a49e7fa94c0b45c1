package stream

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// observed returns a config whose logger records entries for inspection.
func observed(t *testing.T, b *Broker, group string) (ConsumerConfig, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	cfg := testConfig(t, b, group)
	cfg.Logger = zap.New(core)
	return cfg, logs
}

// waitFault waits until the broker has answered n requests with the fault.
func waitFault(t *testing.T, h *kfake.FaultHandle, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := h.Wait(ctx, n); err != nil {
		t.Fatalf("fault answered %d requests, want %d: %v", h.Hits(), n, err)
	}
}

// assertNoValueLogged checks that no log entry carries a message value.
func assertNoValueLogged(t *testing.T, logs *observer.ObservedLogs, secret string) {
	t.Helper()
	for _, e := range logs.All() {
		line := fmt.Sprintf("%s %v", e.Message, e.ContextMap())
		if strings.Contains(line, secret) {
			t.Errorf("log entry leaks a message value: %s", line)
		}
	}
}

func TestFetchFaultIsRetried(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", t.TempDir())
	h := b.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Topic: TopicIncidents, Count: 3})
	const value = `{"email":"ana@example.com"}`
	produce(t, b.Addrs(), TopicIncidents, msg("INC-11", value))

	cfg, logs := observed(t, b, "herald-fetch-fault")
	rec := newRecorder()
	r := start(t, cfg, rec.handle)
	waitFault(t, h, 3)
	got := rec.wait(t, 1)
	r.stop(t)
	if len(got) != 1 || string(got[0].Value) != value {
		t.Fatalf("handled %q", values(got))
	}
	if logs.FilterMessage("fetch message failed; retrying").Len() == 0 {
		t.Error("the fetch fault never reached the consumer's retry loop")
	}
	assertNoValueLogged(t, logs, "ana@example.com")
	assertOnlyNew(t, b, "herald-fetch-fault")
}

// A commit the broker refuses is retried, past kafka-go's own three tries,
// until the offset is stored.
func TestCommitFaultIsRetried(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", t.TempDir())
	const group = "herald-commit-fault"
	h := b.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetCommit}, Group: group, Count: 4})
	produce(t, b.Addrs(), TopicIncidents, msg("INC-12", "commit-me"))

	cfg, logs := observed(t, b, group)
	rec := newRecorder()
	r := start(t, cfg, rec.handle)
	rec.wait(t, 1)
	waitFault(t, h, 4)
	r.stop(t)
	if logs.FilterMessage("commit offset failed; retrying").Len() == 0 {
		t.Error("commit failure not retried by the consumer")
	}
	assertOnlyNew(t, b, group)
}

// The dead-letter log line names the field and position, never the value.
func TestDeadLetterLogHasNoValue(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", t.TempDir())
	produce(t, b.Addrs(), TopicIncidents, msg("INC-13", `{"phone":"+4915112345678"}`))
	cfg, logs := observed(t, b, "herald-dlq-log")
	r := start(t, cfg, func(context.Context, kafka.Message) error {
		return incident.Invalid("data.subjects[0].phone", "must be at most 32 characters")
	})
	deadline := time.Now().Add(waitFor)
	for logs.FilterMessage("dead-lettered invalid message").Len() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	r.stop(t)
	entries := logs.FilterMessage("dead-lettered invalid message").All()
	if len(entries) != 1 || entries[0].ContextMap()["error_field"] != "data.subjects[0].phone" {
		t.Fatalf("dead-letter log entries = %v", entries)
	}
	assertNoValueLogged(t, logs, "4915112345678")
}
