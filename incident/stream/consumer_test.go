package stream

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/segmentio/kafka-go"
)

func TestProduceConsumeCommit(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", t.TempDir())
	sent := []kafka.Message{
		msg("INC-1", "one", "ce_id", "e1"),
		msg("INC-2", "two"),
		msg("INC-1", "three"),
		msg("INC-3", "four", "content-type", "application/cloudevents+json"),
	}
	produce(t, b.Addrs(), TopicIncidents, sent...)

	rec := newRecorder()
	r := start(t, testConfig(t, b, "herald-commit"), rec.handle)
	got := rec.wait(t, len(sent))
	r.stop(t)

	vals := values(got)
	slices.Sort(vals)
	if !slices.Equal(vals, []string{"four", "one", "three", "two"}) {
		t.Fatalf("consumed %q", vals)
	}
	for _, m := range got {
		if m.Topic != TopicIncidents {
			t.Errorf("topic = %q", m.Topic)
		}
		switch string(m.Value) {
		case "one":
			if string(m.Key) != "INC-1" || HeaderMap(m.Headers)["ce_id"] != "e1" {
				t.Errorf("message one: key %q headers %v", m.Key, m.Headers)
			}
		case "three":
			if got[0].Partition != m.Partition && string(got[0].Key) == "INC-1" {
				t.Errorf("INC-1 events on two partitions")
			}
		}
	}
	assertOnlyNew(t, b, "herald-commit")
}

func TestInvalidMessageGoesToDLQ(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", t.TempDir())
	// One key: one partition, so the order below is the order of delivery.
	produce(t, b.Addrs(), TopicIncidents,
		msg("INC-7", "good-1"),
		msg("INC-7", "bad", "ce_id", "e-bad", "ce_type", "security.incident.opened"),
		msg("INC-7", "good-2"),
	)
	rec := newRecorder()
	handle := func(ctx context.Context, m kafka.Message) error {
		if string(m.Value) == "bad" {
			return incident.Invalid("data.breach.exfiltration", "must be one of none, ruled_out, suspected, confirmed")
		}
		return rec.handle(ctx, m)
	}
	r := start(t, testConfig(t, b, "herald-dlq"), handle)
	if got := values(rec.wait(t, 2)); !slices.Equal(got, []string{"good-1", "good-2"}) {
		t.Fatalf("handled %q", got)
	}
	r.stop(t)

	dlq := newRecorder()
	cfg := testConfig(t, b, "herald-dlq-reader")
	cfg.Topic = TopicDLQ
	rd := start(t, cfg, dlq.handle)
	dead := dlq.wait(t, 1)[0]
	rd.stop(t)

	h := HeaderMap(dead.Headers)
	if string(dead.Value) != "bad" || string(dead.Key) != "INC-7" || h["ce_id"] != "e-bad" || h["ce_type"] != incident.TypeOpened {
		t.Errorf("dead letter lost the original: key %q value %q headers %v", dead.Key, dead.Value, h)
	}
	if h[HeaderErrorField] != "data.breach.exfiltration" ||
		h[HeaderError] != "data.breach.exfiltration: must be one of none, ruled_out, suspected, confirmed" ||
		h[HeaderOriginalTopic] != TopicIncidents || h[HeaderOriginalOffset] != "1" {
		t.Errorf("dead letter headers = %v", h)
	}
	if p, err := strconv.Atoi(h[HeaderOriginalPartition]); err != nil || p != rec.msgs[0].Partition {
		t.Errorf("original partition %q, want %d", h[HeaderOriginalPartition], rec.msgs[0].Partition)
	}
	assertOnlyNew(t, b, "herald-dlq")
}

func TestTransientErrorIsRetried(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", t.TempDir())
	produce(t, b.Addrs(), TopicIncidents, msg("INC-9", "flaky"), msg("INC-9", "next"))
	var attempts atomic.Int32
	rec := newRecorder()
	handle := func(ctx context.Context, m kafka.Message) error {
		if string(m.Value) == "flaky" && attempts.Add(1) <= 3 {
			return errors.New("store busy")
		}
		return rec.handle(ctx, m)
	}
	r := start(t, testConfig(t, b, "herald-retry"), handle)
	if got := values(rec.wait(t, 2)); !slices.Equal(got, []string{"flaky", "next"}) {
		t.Fatalf("handled %q", got)
	}
	r.stop(t)
	if n := attempts.Load(); n != 4 {
		t.Errorf("flaky message tried %d times, want 4", n)
	}
	assertOnlyNew(t, b, "herald-retry")
}

// A message whose handler never succeeds is not committed: after the broker
// restarts on the same data directory, a new member of the group gets it
// again, with what followed it, and nothing it had committed before.
func TestResumeAfterBrokerRestart(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t, "127.0.0.1:0", dir)
	addr := b.Addrs()[0]
	produce(t, b.Addrs(), TopicIncidents,
		msg("INC-5", "m1"), msg("INC-5", "m2"), msg("INC-5", "m3"), msg("INC-5", "m4"), msg("INC-5", "m5"))

	first := newRecorder()
	handle := func(ctx context.Context, m kafka.Message) error {
		if string(m.Value) == "m4" {
			return errors.New("downstream unavailable")
		}
		return first.handle(ctx, m)
	}
	r := start(t, testConfig(t, b, "herald-restart"), handle)
	first.wait(t, 3)
	r.stop(t)
	b.Close()

	b = startBroker(t, addr, dir)
	produce(t, b.Addrs(), TopicIncidents, msg("INC-5", "m6"))
	second := newRecorder()
	r = start(t, testConfig(t, b, "herald-restart"), second.handle)
	got := values(second.wait(t, 3))
	r.stop(t)
	if !slices.Equal(values(first.msgs), []string{"m1", "m2", "m3"}) || !slices.Equal(got, []string{"m4", "m5", "m6"}) {
		t.Fatalf("before restart %q, after %q", values(first.msgs), got)
	}
}

func TestConsumerConfigValidate(t *testing.T) {
	ok := ConsumerConfig{Brokers: []string{"127.0.0.1:9092"}, GroupID: "g"}
	bad := map[string]func(c *ConsumerConfig){
		"no brokers":    func(c *ConsumerConfig) { c.Brokers = nil },
		"no group":      func(c *ConsumerConfig) { c.GroupID = "" },
		"negative wait": func(c *ConsumerConfig) { c.MaxWait = -1 },
		"min above max": func(c *ConsumerConfig) { c.RetryMin, c.RetryMax = 2, 1 },
	}
	if _, err := NewConsumer(ok); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	for name, edit := range bad {
		c := ok
		edit(&c)
		if _, err := NewConsumer(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	d := ok.withDefaults()
	if d.Topic != TopicIncidents || d.DLQTopic != TopicDLQ || d.RetryMin != DefaultRetryMin || d.RetryMax != DefaultRetryMax {
		t.Errorf("defaults = %+v", d)
	}
}
