package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/sms"
)

// TestLateSMSFailureFallsBackToEmail runs the daemon: a person told by
// SMS, Twilio then reports it undelivered, and they are emailed instead.
func TestLateSMSFailureFallsBackToEmail(t *testing.T) {
	d := loadDemo(t)
	var subj incident.Subject
	for _, s := range d.subjects {
		if s.Phone != "" && s.Email != "" && len(s.PushTokens) == 0 {
			subj = s
			break
		}
	}
	subj.Channels = []string{incident.ChannelSMS, incident.ChannelEmail}
	p := startProviders(t, d)
	addr := freeAddr(t)
	callback := "http://" + addr + "/webhooks/twilio/status"
	chans := p.channels(t)
	scfg := p.twilio.Config()
	scfg.StatusCallbackURL = callback
	s, err := sms.New(scfg)
	if err != nil {
		t.Fatal(err)
	}
	chans[incident.ChannelSMS] = s
	logs := &syncBuffer{}
	cfg := DefaultConfig()
	cfg.DataDir, cfg.HTTPAddr, cfg.EmbeddedKafkaAddr = t.TempDir(), addr, "127.0.0.1:0"
	cfg.Workers, cfg.RetryBackoff = 4, 5*time.Millisecond
	cfg.TwilioAuthToken, cfg.TwilioStatusCallbackURL = scfg.AuthToken, callback
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	log := zap.New(zapcore.NewCore(enc, zapcore.AddSync(logs), zap.DebugLevel))
	ctx, cancel := context.WithCancel(context.Background())
	h := &herald{main: &Main{Config: cfg, Log: log, Channels: map[string]notifier.Notifier(chans)}, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- h.main.Run(ctx) }()
	<-h.main.Ready()
	t.Cleanup(h.stop)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", logs.String())
		}
	})
	h.produce(t, demoID, d.opened, subjectsEvent(t, "evt-rc-1", demoID, []incident.Subject{subj}))
	h.waitFor(t, demoID, "told by sms", func(v incident.Overview) bool {
		return v.Progress.ByChannel["sms"].Sent == 1 && v.Progress.Pending == 0
	})
	m := p.twilio.Messages()[0]
	code, err := p.twilio.ReportStatus(m, "undelivered", "30003")
	if err != nil || code != http.StatusNoContent {
		t.Fatalf("callback: %d %v", code, err)
	}
	v := h.waitFor(t, demoID, "told by email", func(v incident.Overview) bool {
		return v.Progress.ByChannel["email"].Sent == 1 && v.Progress.Pending == 0
	})
	t.Logf("progress after fallback: %+v", v.Progress)
	n := 0
	for _, em := range p.smtp.Messages() {
		for _, r := range em.Recipients {
			if r == subj.Email {
				n++
			}
		}
	}
	for _, c := range contacts([]incident.Subject{subj}) {
		if strings.Contains(logs.String(), c) {
			t.Errorf("a contact detail reached the logs (%d chars)", len(c))
		}
	}
	if !strings.Contains(logs.String(), "falls back to the next channel") {
		t.Error("fallback not logged")
	}
	if n != 1 || p.twilio.Accepted() != 1 {
		t.Errorf("email to the person %d, sms accepted %d; want 1, 1", n, p.twilio.Accepted())
	}
}
