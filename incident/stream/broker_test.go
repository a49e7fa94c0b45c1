package stream

import (
	"context"
	"net"
	"testing"

	"github.com/segmentio/kafka-go"
)

func TestStartBrokerSeedsTopics(t *testing.T) {
	b := startBroker(t, "127.0.0.1:0", "") // in memory
	addrs := b.Addrs()
	if len(addrs) != 1 {
		t.Fatalf("addrs = %v", addrs)
	}
	if _, port, _ := net.SplitHostPort(addrs[0]); port == "0" {
		t.Fatalf("Addrs reports port 0: %v", addrs)
	}
	conn, err := kafka.DialContext(context.Background(), "tcp", addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions(TopicIncidents, TopicDLQ, TopicNotifications)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, p := range parts {
		count[p.Topic]++
	}
	for _, topic := range []string{TopicIncidents, TopicDLQ, TopicNotifications} {
		if count[topic] != DefaultPartitions {
			t.Errorf("%s has %d partitions, want %d", topic, count[topic], DefaultPartitions)
		}
	}
}

func TestStartBrokerRejectsBadConfig(t *testing.T) {
	for _, cfg := range []BrokerConfig{
		{Addr: "no-port"},
		{Addr: "127.0.0.1:http"},
		{Addr: "127.0.0.1:70000"},
		{Partitions: -1},
	} {
		if b, err := StartBroker(cfg); err == nil {
			b.Close()
			t.Errorf("StartBroker(%+v) started", cfg)
		}
	}
	// A taken port is an error, not a silent move elsewhere.
	b := startBroker(t, "127.0.0.1:0", "")
	if b2, err := StartBroker(BrokerConfig{Addr: b.Addrs()[0]}); err == nil {
		b2.Close()
		t.Error("second broker started on a taken port")
	}
}

func TestHeaderMapLastWins(t *testing.T) {
	m := HeaderMap([]kafka.Header{
		{Key: "x-error", Value: []byte("old")},
		{Key: "ce_id", Value: []byte("e1")},
		{Key: "x-error", Value: []byte("new")},
	})
	if len(m) != 2 || m["x-error"] != "new" || m["ce_id"] != "e1" {
		t.Errorf("HeaderMap = %v", m)
	}
}
