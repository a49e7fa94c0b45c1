package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/sms"
	"github.com/herald-notify/herald/notifier/sms/smstest"
)

// smsHerald is a daemon whose SMS channel asks Twilio for status
// callbacks, and one demo person reachable by SMS, then email.
type smsHerald struct {
	h      *herald
	p      *providers
	subj   incident.Subject
	logs   *syncBuffer
	sentTo smstest.Message // the text the person was sent; set by tellBySMS
}

func startSMSHerald(t *testing.T) *smsHerald {
	t.Helper()
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
	h := runHerald(t, &Main{Config: cfg, Channels: map[string]notifier.Notifier(chans)}, logs)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", logs.String())
		}
	})
	h.produce(t, demoID, d.opened, subjectsEvent(t, "evt-rc-1", demoID, []incident.Subject{subj}))
	return &smsHerald{h: h, p: p, subj: subj, logs: logs}
}

// tellBySMS waits until the person is told by SMS and returns the text as
// the fake Twilio received it.
func (x *smsHerald) tellBySMS(t *testing.T) smstest.Message {
	t.Helper()
	x.h.waitFor(t, demoID, "told by sms", func(v incident.Overview) bool {
		return v.Progress.ByChannel["sms"].Sent == 1 && v.Progress.Pending == 0
	})
	return x.p.twilio.Messages()[0]
}

// emailsToPerson counts the emails the fake SMTP server took for the person.
func (x *smsHerald) emailsToPerson() int {
	n := 0
	for _, em := range x.p.smtp.Messages() {
		for _, r := range em.Recipients {
			if r == x.subj.Email {
				n++
			}
		}
	}
	return n
}

func (x *smsHerald) assertNoContactInLogs(t *testing.T) {
	t.Helper()
	for _, c := range contacts([]incident.Subject{x.subj}) {
		if strings.Contains(x.logs.String(), c) {
			t.Errorf("a contact detail reached the logs (%d chars)", len(c))
		}
	}
}

// TestLateSMSFailureFallsBackToEmail runs the daemon: a person told by
// SMS, Twilio then reports it undelivered, and they are emailed instead.
func TestLateSMSFailureFallsBackToEmail(t *testing.T) {
	x := startSMSHerald(t)
	m := x.tellBySMS(t)
	code, err := x.p.twilio.ReportStatus(m, "undelivered", "30003")
	if err != nil || code != http.StatusNoContent {
		t.Fatalf("callback: %d %v", code, err)
	}
	v := x.h.waitFor(t, demoID, "told by email", func(v incident.Overview) bool {
		return v.Progress.ByChannel["email"].Sent == 1 && v.Progress.Pending == 0
	})
	t.Logf("progress after fallback: %+v", v.Progress)
	n := x.emailsToPerson()
	x.assertNoContactInLogs(t)
	if !strings.Contains(x.logs.String(), "falls back to the next channel") {
		t.Error("fallback not logged")
	}
	if n != 1 || x.p.twilio.Accepted() != 1 {
		t.Errorf("email to the person %d, sms accepted %d; want 1, 1", n, x.p.twilio.Accepted())
	}
}

// TestSMSDeliveredShowsInProgress runs the daemon: Twilio confirms the
// text delivered (twice, as it may) and the incident view counts it once;
// the person stays told and is not emailed.
func TestSMSDeliveredShowsInProgress(t *testing.T) {
	x := startSMSHerald(t)
	m := x.tellBySMS(t)
	for _, status := range []string{"sent", "delivered", "delivered"} {
		code, err := x.p.twilio.ReportStatus(m, status, "")
		if err != nil || code != http.StatusNoContent {
			t.Fatalf("%s callback: %d %v", status, code, err)
		}
	}
	v := x.h.waitFor(t, demoID, "sms delivered", func(v incident.Overview) bool {
		return v.Progress.ByChannel["sms"].Delivered > 0
	})
	if c := v.Progress.ByChannel["sms"]; c.Sent != 1 || c.Delivered != 1 || v.Progress.Sent != 1 || v.Progress.Pending != 0 {
		t.Errorf("progress = %+v; want the one text sent and delivered once, the person told", v.Progress)
	}
	if n := x.emailsToPerson(); n != 0 {
		t.Errorf("%d emails to the person; want none, the text was delivered", n)
	}
	x.assertNoContactInLogs(t)
}
