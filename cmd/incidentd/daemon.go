package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident/classify"
	"github.com/herald-notify/herald/incident/policy"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/incident/stream"
	"github.com/herald-notify/herald/notifier"
)

// Main is one incidentd process. Tests start it in-process with Run and
// read Ready for the addresses it bound.
type Main struct {
	Config Config
	Log    *zap.Logger
	// Channels, when set, replace the channels built from Config (tests
	// inject notifiers pointed at local fake providers).
	Channels map[string]notifier.Notifier
	// Engine classifies incidents under the policy in force; nil means the
	// built-in policy (classify.Standard).
	Engine *classify.Engine
	// JobDone, when set, hears how long each finished delivery job took
	// from being queued to its final, recorded state (the bench command).
	JobDone func(time.Duration)

	ready   chan struct{}
	once    sync.Once
	httpURL string
	brokers []string
}

// loadPolicy builds the classification engine from the operator's policy
// file, when one is named and no engine was injected. A broken file stops
// the start: deciding duties under rules nobody meant is worse than not
// starting.
func (m *Main) loadPolicy() error {
	if m.Engine != nil || m.Config.PolicyFile == "" {
		return nil
	}
	p, err := policy.Load(m.Config.PolicyFile)
	if err != nil {
		return fmt.Errorf("policy_file: %w", err)
	}
	m.Engine = classify.New(p)
	m.Log.Info("policy loaded", zap.String("policy", p.Ref()), zap.Int("rules", len(p.Rules)))
	return nil
}

// Ready is closed once the broker, store and HTTP server are up.
func (m *Main) Ready() <-chan struct{} {
	m.once.Do(func() { m.ready = make(chan struct{}) })
	return m.ready
}

// HTTPURL is the base URL the HTTP server listens on (after Ready).
func (m *Main) HTTPURL() string { return m.httpURL }

// Brokers are the Kafka brokers in use (after Ready).
func (m *Main) Brokers() []string { return m.brokers }

// Run starts every stage and blocks until ctx is cancelled, then shuts down
// in order: stop intake, let in-flight deliveries record their result,
// close the store and the broker.
func (m *Main) Run(ctx context.Context) error {
	m.Ready()
	if m.Log == nil {
		m.Log = newLogger(m.Config.LogLevel)
	}
	if err := m.loadPolicy(); err != nil {
		return err
	}
	if err := os.MkdirAll(m.Config.DataDir, 0o750); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	st, err := m.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	defer m.resealInBackground(ctx, st)() // stops before the store closes
	if err := m.resolveCrashedClaims(ctx, st); err != nil {
		return err
	}
	brokers, closeBroker, err := m.brokersFor(m.Config)
	if err != nil {
		return err
	}
	defer closeBroker()
	m.brokers = brokers

	channels := m.Channels
	if channels == nil {
		if channels, err = buildChannels(ctx, m.Config, m.Log); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", m.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen http: %w", err)
	}
	m.httpURL = "http://" + ln.Addr().String()
	publicURL := m.Config.PublicURL
	if publicURL == "" {
		publicURL = m.httpURL
	}
	auths, err := configuredAuthorities(m.Config, m.Log)
	if err != nil {
		return err
	}
	pdf, err := m.reportRenderer()
	if err != nil {
		return err
	}
	p := m.pipeline(st, channels, auths, pdf, publicURL, brokers)
	defer p.jobs.Close()
	api := &httpAPI{store: st, log: m.Log, metrics: p.metrics, publicURL: publicURL, reporter: p.reporter, pdf: pdf,
		recount: p.reporter.Recount}
	if api.receipts, err = newReceipts(st, m.Log, m.Config, p.enqueuer.Kick); err != nil {
		return err
	}
	srv := &http.Server{Handler: guardedRoutes(api, auths), ReadHeaderTimeout: 5 * time.Second}
	m.Log.Info("incidentd ready", zap.String("http", m.httpURL), zap.Strings("kafka", brokers),
		zap.String("data_dir", m.Config.DataDir))
	close(m.ready)
	return m.serve(ctx, st, p, srv, ln, brokers)
}

func (m *Main) serve(ctx context.Context, st store.Store, p *pipeline, srv *http.Server, ln net.Listener, brokers []string) error {
	p.catchUp(ctx, st)
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	wg.Add(5)
	go func() { defer wg.Done(); errs <- p.watch(ctx, st, m.Config.WatchInterval) }()
	go func() { defer wg.Done(); errs <- p.enqueuer.Run(ctx) }()
	go func() { defer wg.Done(); errs <- p.deliver(ctx, brokers) }()
	go func() { defer wg.Done(); errs <- p.consume(ctx, brokers) }()
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("serve http: %w", err)
		}
	}()
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// resolveCrashedClaims resolves sends claimed but never confirmed by a
// process that is gone: they become uncertain and are never resent. With
// the embedded broker this process owns the data directory, so every claim
// older than its start is a crash's; with an external cluster other
// incidentd processes may be sending, so only claims older than the lease
// count (the workers resolve younger ones when their lease runs out).
func (m *Main) resolveCrashedClaims(ctx context.Context, st store.Store) error {
	before := time.Now().Add(-m.Config.ClaimLease)
	if len(m.Config.KafkaBrokers) == 0 {
		before = time.Now()
	}
	n, err := st.ResolveStaleClaims(ctx, before)
	if err != nil {
		return fmt.Errorf("resolve stale claims: %w", err)
	}
	if n > 0 {
		m.Log.Warn("sends claimed before a crash were never confirmed; marked uncertain, not resent", zap.Int("count", n))
	}
	return nil
}

// brokersFor returns the configured cluster, or starts the embedded broker
// when none is configured: one code path either way.
func (m *Main) brokersFor(cfg Config) ([]string, func(), error) {
	if len(cfg.KafkaBrokers) > 0 {
		return cfg.KafkaBrokers, func() {}, nil
	}
	b, err := stream.StartBroker(stream.BrokerConfig{Addr: cfg.EmbeddedKafkaAddr, DataDir: filepath.Join(cfg.DataDir, "kafka")})
	if err != nil {
		return nil, nil, fmt.Errorf("start embedded broker: %w", err)
	}
	return b.Addrs(), b.Close, nil
}
