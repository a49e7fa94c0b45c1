package stream

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/segmentio/kafka-go"
)

// kcat is how operators and outside tests produce by hand: what it sends must
// reach the consumer with key and headers, on the partition Herald's own
// writer would pick for that key.
func TestKcatInterop(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("HERALD_REQUIRE_KCAT") == "1" {
			t.Fatal("kcat not on PATH and HERALD_REQUIRE_KCAT=1 (apt-get install kcat)")
		}
		t.Skip("kcat not on PATH")
	}
	b := startBroker(t, "127.0.0.1:0", t.TempDir())
	structured := `{"specversion":"1.0","id":"evt-kcat-1","source":"urn:psirt:kcat","type":"security.incident.closed","data":{"incident_id":"INC-KCAT-1"}}`
	binary := `{"incident_id":"INC-KCAT-2"}`
	kcatProduce(t, kcat, b.Addrs()[0], "INC-KCAT-1", structured,
		"-H", "content-type=application/cloudevents+json")
	kcatProduce(t, kcat, b.Addrs()[0], "INC-KCAT-2", binary,
		"-H", "ce_specversion=1.0", "-H", "ce_id=evt-kcat-2", "-H", "ce_source=urn:psirt:kcat",
		"-H", "ce_type=security.incident.closed", "-H", "content-type=application/json")

	rec := newRecorder()
	r := start(t, testConfig(t, b, "herald-kcat"), rec.handle)
	got := rec.wait(t, 2)
	r.stop(t)

	byKey := map[string]kafka.Message{}
	for _, m := range got {
		byKey[string(m.Key)] = m
	}
	s, bin := byKey["INC-KCAT-1"], byKey["INC-KCAT-2"]
	if string(s.Value) != structured || HeaderMap(s.Headers)["content-type"] != "application/cloudevents+json" {
		t.Errorf("structured: value %q headers %v", s.Value, HeaderMap(s.Headers))
	}
	h := HeaderMap(bin.Headers)
	if string(bin.Value) != binary || h["ce_id"] != "evt-kcat-2" || h["ce_type"] != "security.incident.closed" || h["ce_specversion"] != "1.0" {
		t.Errorf("binary: value %q headers %v", bin.Value, h)
	}
	w := NewWriter(b.Addrs(), TopicIncidents)
	defer w.Close()
	for _, m := range got {
		if want := w.Balancer.Balance(kafka.Message{Key: m.Key}, 0, 1, 2); m.Partition != want {
			t.Errorf("kcat put %s on partition %d, Herald's writer uses %d", m.Key, m.Partition, want)
		}
	}
}

func kcatProduce(t *testing.T, kcat, addr, key, value string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	args = append([]string{"-b", addr, "-t", TopicIncidents, "-P", "-k", key}, args...)
	cmd := exec.CommandContext(ctx, kcat, args...)
	cmd.Stdin = bytes.NewBufferString(value + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat %v: %v\n%s", args, err, out)
	}
}
