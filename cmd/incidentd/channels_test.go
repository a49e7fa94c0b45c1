package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/guard"
	"github.com/herald-notify/herald/notifier/notifiertest"
	"github.com/herald-notify/herald/notifier/sms/smstest"
)

// TestConfiguredProviderIsGuarded: a provider that keeps failing opens its
// circuit after breaker_threshold failures, and is then left alone.
func TestConfiguredProviderIsGuarded(t *testing.T) {
	srv := smstest.NewServer(t)
	srv.SetFault(notifiertest.Transient)
	c := srv.Config()
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.TwilioAccountSID, cfg.TwilioAuthToken, cfg.TwilioFrom, cfg.TwilioBaseURL = c.AccountSID, c.AuthToken, c.From, c.BaseURL
	cfg.BreakerThreshold, cfg.BreakerCooldown = 2, time.Minute
	chans, err := buildChannels(context.Background(), cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	d := notifier.Delivery{IncidentID: "INC-1", SubjectID: "u-1", Channel: incident.ChannelSMS,
		To: []string{"+4915112345678"}, Message: notifier.Message{Text: "Security notice"}}
	for range 2 {
		if _, err := chans[incident.ChannelSMS].Notify(context.Background(), d); err == nil || notifier.IsPermanent(err) {
			t.Fatalf("send during an outage: %v, want a retryable error", err)
		}
	}
	before := srv.Requests()
	_, err = chans[incident.ChannelSMS].Notify(context.Background(), d)
	if !errors.Is(err, guard.ErrOpen) || srv.Requests() != before {
		t.Errorf("third send: %v after %d provider requests (was %d), want the open circuit and no request", err, srv.Requests(), before)
	}
	if _, ok := chans[incident.ChannelEmail].(*guard.Guard); ok {
		t.Error("the outbox is guarded; only real providers are")
	}
}

func TestGuardSettingsAreValidated(t *testing.T) {
	for want, env := range map[string]map[string]string{
		"twilio_rate":       {"HERALD_TWILIO_RATE": "-1"},
		"HERALD_SMTP_RATE":  {"HERALD_SMTP_RATE": "fast"},
		"breaker_threshold": {"HERALD_BREAKER_THRESHOLD": "-2"},
	} {
		_, err := LoadConfig(nil, func(k string) string { return env[k] })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("env %v: error %v, want it to name %q", env, err, want)
		}
	}
	cfg, err := LoadConfig([]string{"--fcm-rate", "12.5"}, func(string) string { return "" })
	if err != nil || cfg.FCMRate != 12.5 || cfg.BreakerThreshold != 5 {
		t.Errorf("config %+v, %v; want fcm_rate 12.5 and the default threshold 5", cfg, err)
	}
}
