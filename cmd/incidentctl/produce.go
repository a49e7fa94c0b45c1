package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/contract"
	"github.com/herald-notify/herald/incident/stream"
)

const (
	contentTypeCE = "application/cloudevents+json"
	sourceCLI     = "urn:herald:incidentctl"
	dialTimeout   = 3 * time.Second
)

// ceHeaders are the Kafka headers of a structured-mode CloudEvent; the same
// map is handed to contract.Decode so validation sees what the daemon sees.
var ceHeaders = map[string]string{"content-type": contentTypeCE}

// producer sends events to security.incidents and waits for each write to be
// acknowledged.
type producer struct {
	brokers []string
	w       *kafka.Writer
}

// newProducer checks that at least one broker answers, so an unreachable
// Kafka fails in seconds with a clear message instead of after the writer's
// retries.
func newProducer(ctx context.Context, brokers []string) (*producer, error) {
	if len(brokers) == 0 {
		return nil, usagef("no Kafka brokers given (--brokers or HERALD_KAFKA_BROKERS)")
	}
	if err := reachAny(ctx, brokers); err != nil {
		return nil, fmt.Errorf("cannot reach Kafka at %s: %w", strings.Join(brokers, ","), err)
	}
	w := stream.NewWriter(brokers, stream.TopicIncidents)
	w.Async = false // every send must be acknowledged before we say it was sent
	if w.RequiredAcks == kafka.RequireNone {
		w.RequiredAcks = kafka.RequireAll
	}
	if w.BatchTimeout == 0 || w.BatchTimeout > 50*time.Millisecond {
		// We write one message at a time and wait; the default 1 s linger
		// would only add latency.
		w.BatchTimeout = 10 * time.Millisecond
	}
	return &producer{brokers: brokers, w: w}, nil
}

func reachAny(ctx context.Context, brokers []string) error {
	d := net.Dialer{Timeout: dialTimeout}
	var errs []error
	for _, b := range brokers {
		conn, err := d.DialContext(ctx, "tcp", b)
		if err == nil {
			return conn.Close()
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// send writes one event keyed by its incident id.
func (p *producer) send(ctx context.Context, key string, value []byte) error {
	msg := kafka.Message{
		Key:     []byte(key),
		Value:   value,
		Headers: []kafka.Header{{Key: "content-type", Value: []byte(contentTypeCE)}},
	}
	if err := p.w.WriteMessages(ctx, msg); err != nil {
		return fmt.Errorf("send event to Kafka at %s: %w", strings.Join(p.brokers, ","), err)
	}
	return nil
}

func (p *producer) Close() error { return p.w.Close() }

// newEvent wraps data in a CloudEvents 1.0 envelope from this CLI.
func newEvent(id, typ, incidentID string, data json.RawMessage) incident.Event {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return incident.Event{
		SpecVersion:     "1.0",
		ID:              id,
		Source:          sourceCLI,
		Type:            typ,
		Time:            &now,
		Subject:         incidentID,
		DataContentType: "application/json",
		Data:            data,
	}
}

// encodeEvent marshals ev and validates it against the event contract, so
// nothing the daemon would dead-letter leaves this machine.
func encodeEvent(ev incident.Event) ([]byte, error) {
	value, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	if _, err := contract.Decode(value, ceHeaders); err != nil {
		return nil, err
	}
	return value, nil
}

// randomID returns a fresh UUID (version 4).
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go >= 1.24)
	return formatUUID(b, 4)
}

// derivedID returns a UUID (version 8, name-based on SHA-256) that is the same
// every time for the same parts, so a replayed send is a duplicate at the
// daemon rather than a second event.
func derivedID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	var b [16]byte
	copy(b[:], h[:16])
	return formatUUID(b, 8)
}

func formatUUID(b [16]byte, version byte) string {
	b[6] = b[6]&0x0f | version<<4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// withTimeout bounds a command by --timeout.
func withTimeout(ctx context.Context, e *env) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, e.cfg.timeout)
}

// dialProducer connects to the configured brokers within --timeout.
func dialProducer(ctx context.Context, e *env) (*producer, error) {
	ctx, cancel := withTimeout(ctx, e)
	defer cancel()
	return newProducer(ctx, e.cfg.brokerList())
}

// sendOne connects, sends one event keyed by its incident id and closes.
func sendOne(ctx context.Context, e *env, key string, value []byte) error {
	p, err := dialProducer(ctx, e)
	if err != nil {
		return err
	}
	defer p.Close()
	return p.sendTimeout(ctx, e, key, value)
}

// sendTimeout is send bounded by --timeout.
func (p *producer) sendTimeout(ctx context.Context, e *env, key string, value []byte) error {
	ctx, cancel := withTimeout(ctx, e)
	defer cancel()
	return p.send(ctx, key, value)
}
