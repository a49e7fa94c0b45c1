package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/contract"
	"github.com/herald-notify/herald/incident/stream"
)

// result is what one run(...) did.
type result struct {
	code   int
	stdout string
	stderr string
}

// runCLI calls run with args and stdin, as the binary would.
func runCLI(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// startBroker runs the embedded Kafka-protocol broker on a free loopback port
// and returns its address list for --brokers.
func startBroker(t *testing.T) string {
	t.Helper()
	b, err := stream.StartBroker(stream.BrokerConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("start broker: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return strings.Join(b.Addrs(), ",")
}

// readTopic returns every message on topic, partition by partition (all
// messages of one key are on one partition, in order).
func readTopic(t *testing.T, brokers string) []kafka.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addr := strings.Split(brokers, ",")[0]
	conn, err := kafka.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatalf("dial broker: %v", err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions(stream.TopicIncidents)
	if err != nil {
		t.Fatalf("read partitions: %v", err)
	}
	var msgs []kafka.Message
	for _, p := range parts {
		msgs = append(msgs, readPartition(ctx, t, addr, p.ID)...)
	}
	return msgs
}

func readPartition(ctx context.Context, t *testing.T, addr string, partition int) []kafka.Message {
	t.Helper()
	lc, err := kafka.DialLeader(ctx, "tcp", addr, stream.TopicIncidents, partition)
	if err != nil {
		t.Fatalf("dial leader: %v", err)
	}
	first, last, err := lc.ReadOffsets()
	lc.Close()
	if err != nil {
		t.Fatalf("read offsets: %v", err)
	}
	if first >= last {
		return nil
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: stream.TopicIncidents,
		Partition: partition, MaxWait: 50 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(first); err != nil {
		t.Fatalf("set offset: %v", err)
	}
	var msgs []kafka.Message
	for off := first; off < last; off++ {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read message %d of partition %d: %v", off, partition, err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

// decodeMessage checks the Kafka framing of one produced event and decodes
// it with the same contract the daemon uses.
func decodeMessage(t *testing.T, m kafka.Message, wantKey string) incident.Event {
	t.Helper()
	if string(m.Key) != wantKey {
		t.Errorf("key = %q, want %q", m.Key, wantKey)
	}
	headers := map[string]string{}
	for _, h := range m.Headers {
		headers[h.Key] = string(h.Value)
	}
	if headers["content-type"] != "application/cloudevents+json" {
		t.Errorf("content-type header = %q", headers["content-type"])
	}
	ev, err := contract.Decode(m.Value, headers)
	if err != nil {
		t.Fatalf("produced event fails the contract: %v", err)
	}
	return ev
}

func subjectsOf(t *testing.T, ev incident.Event) incident.SubjectsBatch {
	t.Helper()
	b, err := contract.SubjectsFromEvent(ev)
	if err != nil {
		t.Fatalf("subjects of %s: %v", ev.ID, err)
	}
	return b
}

// writeFile writes content to a file in a fresh temp dir.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// demoFacts returns the data of the demo incident, a realistic bare facts
// object.
func demoFacts(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile("../../examples/demo/incident.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev.Data
}
