// Package stream is Herald's Kafka I/O: topic names, a keyed producer, a
// consumer-group consumer that commits only after its handler succeeded and
// dead-letters invalid messages, and an embedded broker (kfake) for
// development and tests. It knows nothing about the event contract; the
// handler decides what a message means.
package stream

import (
	"time"

	"github.com/segmentio/kafka-go"
)

// Topics (EVENTS.md).
const (
	TopicIncidents     = "security.incidents"
	TopicDLQ           = "security.incidents.dlq"
	TopicNotifications = "security.notifications"
)

// Headers added to a dead-lettered message, after the original headers.
const (
	HeaderError             = "x-error"
	HeaderErrorField        = "x-error-field"
	HeaderOriginalTopic     = "x-original-topic"
	HeaderOriginalPartition = "x-original-partition"
	HeaderOriginalOffset    = "x-original-offset"
)

// writerBatchTimeout bounds how long a write waits for companions; kafka-go's
// default of 1 s would make every single-event write take a second.
const writerBatchTimeout = 5 * time.Millisecond

// NewWriter returns a synchronous producer for topic that waits for all
// in-sync replicas and routes by key, so every event of one incident (key =
// incident_id) lands on one partition, in order.
//
// The balancer is CRC32 (librdkafka's default "consistent_random"), not
// kafka-go's FNV Hash: kcat and librdkafka-based producers then place an
// incident's events on the same partition as Herald's own tools do.
func NewWriter(brokers []string, topic string) *kafka.Writer {
	return &kafka.Writer{
		Addr:         kafka.TCP(brokers...),
		Topic:        topic,
		Balancer:     kafka.CRC32Balancer{},
		BatchTimeout: writerBatchTimeout,
		RequiredAcks: kafka.RequireAll,
	}
}

// HeaderMap returns the headers of a message as a map; for a repeated key the
// last value wins, as the newest x-error of a replayed message should.
func HeaderMap(hs []kafka.Header) map[string]string {
	m := make(map[string]string, len(hs))
	for _, h := range hs {
		m[h.Key] = string(h.Value)
	}
	return m
}
