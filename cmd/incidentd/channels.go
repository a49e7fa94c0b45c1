package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/email"
	"github.com/herald-notify/herald/notifier/guard"
	"github.com/herald-notify/herald/notifier/outbox"
	"github.com/herald-notify/herald/notifier/push"
	"github.com/herald-notify/herald/notifier/sms"
)

// buildChannels gives each channel its configured provider, or the outbox
// when none is configured.
func buildChannels(ctx context.Context, cfg Config, log *zap.Logger) (map[string]notifier.Notifier, error) {
	dir := filepath.Join(cfg.DataDir, "outbox")
	chans := map[string]notifier.Notifier{}
	var err error
	if cfg.SMTPHost != "" {
		chans[incident.ChannelEmail], err = email.New(email.Config{Host: cfg.SMTPHost, Port: cfg.SMTPPort,
			Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS})
	} else {
		chans[incident.ChannelEmail], err = outbox.New(dir, incident.ChannelEmail)
	}
	if err != nil {
		return nil, fmt.Errorf("email channel: %w", err)
	}
	if cfg.TwilioAccountSID != "" {
		chans[incident.ChannelSMS], err = sms.New(sms.Config{AccountSID: cfg.TwilioAccountSID,
			AuthToken: cfg.TwilioAuthToken, From: cfg.TwilioFrom, BaseURL: cfg.TwilioBaseURL,
			StatusCallbackURL: cfg.TwilioStatusCallbackURL})
	} else {
		chans[incident.ChannelSMS], err = outbox.New(dir, incident.ChannelSMS)
	}
	if err != nil {
		return nil, fmt.Errorf("sms channel: %w", err)
	}
	if cfg.FCMProjectID != "" {
		chans[incident.ChannelPush], err = push.New(ctx, push.Config{ProjectID: cfg.FCMProjectID,
			CredentialsFile: cfg.FCMCredentialsFile, Endpoint: cfg.FCMEndpoint})
	} else {
		chans[incident.ChannelPush], err = outbox.New(dir, incident.ChannelPush)
	}
	if err != nil {
		return nil, fmt.Errorf("push channel: %w", err)
	}
	rates := map[string]float64{incident.ChannelEmail: cfg.SMTPRate, incident.ChannelSMS: cfg.TwilioRate, incident.ChannelPush: cfg.FCMRate}
	for name, n := range chans {
		if _, ok := n.(*outbox.Notifier); ok {
			log.Info("no provider configured: messages are written to the outbox, NOT sent",
				zap.String("channel", name), zap.String("dir", filepath.Join(dir, name)))
			continue
		}
		if chans[name], err = guarded(name, n, rates[name], cfg, log); err != nil {
			return nil, err
		}
	}
	return chans, nil
}

// guarded puts a provider behind its rate limit and circuit breaker, and
// logs each change of the breaker's state once.
func guarded(channel string, n notifier.Notifier, rate float64, cfg Config, log *zap.Logger) (notifier.Notifier, error) {
	gc := guard.Config{Name: channel, Rate: rate, FailureThreshold: cfg.BreakerThreshold, Cooldown: cfg.BreakerCooldown,
		OnStateChange: func(from, to guard.State) {
			log.Warn("provider circuit", zap.String("channel", channel), zap.Stringer("from", from), zap.Stringer("to", to))
		}}
	if err := gc.Validate(); err != nil {
		return nil, fmt.Errorf("%s channel guard: %w", channel, err)
	}
	return guard.New(n, gc), nil
}

func newLogger(level string) *zap.Logger {
	cfg := zap.NewProductionConfig()
	cfg.Encoding = "console"
	cfg.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	cfg.DisableStacktrace = true
	_ = cfg.Level.UnmarshalText([]byte(strings.ToLower(level)))
	log, err := cfg.Build()
	if err != nil {
		return zap.NewNop()
	}
	return log
}
