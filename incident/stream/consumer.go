package stream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

// Consumer defaults.
const (
	DefaultMaxWait  = 500 * time.Millisecond
	DefaultRetryMin = 100 * time.Millisecond
	DefaultRetryMax = 5 * time.Second

	// commitTimeout bounds the last commit made after the context ended, so a
	// handled message is not handed out again on the next start.
	commitTimeout = 5 * time.Second
)

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	Brokers  []string
	Topic    string // default TopicIncidents
	GroupID  string // required: offsets are committed for this group
	DLQTopic string // where invalid messages go; default TopicDLQ
	Logger   *zap.Logger

	MaxWait  time.Duration // longest fetch wait on an idle partition; default DefaultMaxWait
	RetryMin time.Duration // first retry delay after a failure; default DefaultRetryMin
	RetryMax time.Duration // cap of retry delays, also of the wait before rejoining the group; default DefaultRetryMax
}

// Validate reports a config the consumer cannot run with.
func (c ConsumerConfig) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return errors.New("no brokers")
	case c.GroupID == "":
		return errors.New("no group id")
	case c.RetryMin < 0 || c.RetryMax < 0 || c.MaxWait < 0:
		return errors.New("negative duration")
	case c.RetryMax > 0 && c.RetryMin > c.RetryMax:
		return errors.New("retry min above retry max")
	}
	return nil
}

func (c ConsumerConfig) withDefaults() ConsumerConfig {
	if c.Topic == "" {
		c.Topic = TopicIncidents
	}
	if c.DLQTopic == "" {
		c.DLQTopic = TopicDLQ
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	if c.MaxWait == 0 {
		c.MaxWait = DefaultMaxWait
	}
	if c.RetryMin == 0 {
		c.RetryMin = DefaultRetryMin
		if c.RetryMax > 0 {
			c.RetryMin = min(c.RetryMin, c.RetryMax)
		}
	}
	if c.RetryMax == 0 {
		c.RetryMax = max(DefaultRetryMax, c.RetryMin)
	}
	return c
}

// Handler processes one message. It returns nil once the message's effect is
// durable; an error with code incident.CodeInvalid sends the message to the
// dead-letter topic; any other error is retried.
type Handler func(ctx context.Context, m kafka.Message) error

// Consumer reads a topic as a member of a consumer group, at least once: a
// message's offset is committed only after the handler made its effect
// durable or the message was dead-lettered, so handlers must be idempotent.
type Consumer struct {
	cfg ConsumerConfig
	log *zap.Logger
}

// NewConsumer checks cfg and fills in defaults. Nothing connects until Run.
func NewConsumer(cfg ConsumerConfig) (*Consumer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configure consumer: %w", err)
	}
	cfg = cfg.withDefaults()
	log := cfg.Logger.With(zap.String("topic", cfg.Topic), zap.String("group", cfg.GroupID))
	return &Consumer{cfg: cfg, log: log}, nil
}

// run holds the connections of one Run.
type run struct {
	*Consumer
	reader *kafka.Reader
	dlq    *kafka.Writer
	handle Handler
}

// Run consumes until ctx ends, then closes its connections and returns nil.
// It never stops on a bad message or a broker fault: invalid messages are
// dead-lettered, everything else is retried with capped exponential backoff.
func (c *Consumer) Run(ctx context.Context, handle Handler) error {
	if handle == nil {
		return errors.New("run consumer: nil handler")
	}
	r := &run{Consumer: c, handle: handle, reader: c.newReader(), dlq: NewWriter(c.cfg.Brokers, c.cfg.DLQTopic)}
	defer r.close()
	for {
		m, err := r.fetch(ctx)
		if err != nil {
			return nil // only when ctx ended
		}
		if err := r.process(ctx, m); err != nil {
			return nil
		}
	}
}

func (c *Consumer) newReader() *kafka.Reader {
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers:          c.cfg.Brokers,
		GroupID:          c.cfg.GroupID,
		Topic:            c.cfg.Topic,
		MaxWait:          c.cfg.MaxWait,
		ReadBackoffMin:   c.cfg.RetryMin,
		ReadBackoffMax:   c.cfg.RetryMax,
		JoinGroupBackoff: c.cfg.RetryMax,
		CommitInterval:   0, // synchronous: CommitMessages returns once the broker has the offset
		StartOffset:      kafka.FirstOffset,
		Logger:           kafka.LoggerFunc(c.log.Sugar().Debugf),
		ErrorLogger:      kafka.LoggerFunc(c.log.Sugar().Infof),
	})
}

func (r *run) close() {
	if err := r.reader.Close(); err != nil {
		r.log.Warn("close reader", zap.Error(err))
	}
	if err := r.dlq.Close(); err != nil {
		r.log.Warn("close dead-letter writer", zap.Error(err))
	}
}

// fetch returns the next message, waiting out broker faults (a kafka.Error
// from FetchMessage is transient). It fails only when ctx has ended.
func (r *run) fetch(ctx context.Context) (kafka.Message, error) {
	var m kafka.Message
	err := r.retry(ctx, "fetch message", nil, func(ctx context.Context) error {
		var err error
		m, err = r.reader.FetchMessage(ctx)
		return err
	})
	return m, err
}

// process hands m to the handler until it succeeds or rejects m as invalid,
// dead-letters a rejected m, then commits. It fails only when ctx has ended,
// and then m stays uncommitted unless its effect was already durable.
func (r *run) process(ctx context.Context, m kafka.Message) error {
	var invalid error
	err := r.retry(ctx, "handle message", &m, func(ctx context.Context) error {
		err := r.handle(ctx, m)
		if incident.ErrorCode(err) == incident.CodeInvalid {
			invalid = err
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	if invalid != nil {
		if err := r.deadLetter(ctx, m, invalid); err != nil {
			return err
		}
	}
	return r.commit(ctx, m)
}

func (r *run) deadLetter(ctx context.Context, m kafka.Message, cause error) error {
	dl := deadLetterMessage(m, cause)
	err := r.retry(ctx, "dead-letter message", &m, func(ctx context.Context) error {
		return r.dlq.WriteMessages(ctx, dl)
	})
	if err == nil {
		r.log.Warn("dead-lettered invalid message", msgFields(m,
			zap.String("dlq", r.cfg.DLQTopic), zap.String("error_field", incident.ErrorField(cause)), zap.Error(cause))...)
	}
	return err
}

// commit retries while ctx lives; once it has ended, one last bounded attempt
// is made, because the message's effect is already durable.
func (r *run) commit(ctx context.Context, m kafka.Message) error {
	err := r.retry(ctx, "commit offset", &m, func(ctx context.Context) error {
		return r.reader.CommitMessages(ctx, m)
	})
	if err == nil || ctx.Err() == nil {
		return err
	}
	last, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	if cerr := r.reader.CommitMessages(last, m); cerr != nil {
		r.log.Info("offset left uncommitted at shutdown; the message will be handled again", msgFields(m, zap.Error(cerr))...)
	}
	return err
}

// deadLetterMessage keeps the original key, value and headers and adds why
// and where from. Only the error goes in, never a field value.
func deadLetterMessage(m kafka.Message, cause error) kafka.Message {
	hs := make([]kafka.Header, 0, len(m.Headers)+5)
	hs = append(hs, m.Headers...)
	hs = append(hs,
		kafka.Header{Key: HeaderError, Value: []byte(cause.Error())},
		kafka.Header{Key: HeaderErrorField, Value: []byte(incident.ErrorField(cause))},
		kafka.Header{Key: HeaderOriginalTopic, Value: []byte(m.Topic)},
		kafka.Header{Key: HeaderOriginalPartition, Value: []byte(strconv.Itoa(m.Partition))},
		kafka.Header{Key: HeaderOriginalOffset, Value: []byte(strconv.FormatInt(m.Offset, 10))},
	)
	return kafka.Message{Key: m.Key, Value: m.Value, Headers: hs}
}

// msgFields names a message by position and key (the incident id), never by
// its value.
func msgFields(m kafka.Message, extra ...zap.Field) []zap.Field {
	return append([]zap.Field{
		zap.Int("partition", m.Partition), zap.Int64("offset", m.Offset), zap.ByteString("incident", m.Key),
	}, extra...)
}
