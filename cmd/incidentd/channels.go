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
			AuthToken: cfg.TwilioAuthToken, From: cfg.TwilioFrom, BaseURL: cfg.TwilioBaseURL})
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
	for name, n := range chans {
		if _, ok := n.(*outbox.Notifier); ok {
			log.Info("no provider configured: messages are written to the outbox, NOT sent",
				zap.String("channel", name), zap.String("dir", filepath.Join(dir, name)))
		}
	}
	return chans, nil
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
