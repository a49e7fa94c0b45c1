package emailtest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/email"
	"github.com/herald-notify/herald/notifier/email/emailtest"
	"github.com/herald-notify/herald/notifier/notifiertest"
)

func delivery(to string) notifier.Delivery {
	return notifier.Delivery{
		IncidentID: "INC-7", SubjectID: "u-7", Channel: "email", To: []string{to},
		Message: notifier.Message{Subject: "Aviso de segurança", Text: "Olá,\nhouve um acesso.\n"},
	}
}

func newNotifier(t *testing.T, cfg email.Config) *email.Notifier {
	t.Helper()
	n, err := email.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMessageHeaderDecodesWords(t *testing.T) {
	s := emailtest.NewServer(t)
	if _, err := newNotifier(t, s.Config()).Notify(context.Background(), delivery("ana@example.com")); err != nil {
		t.Fatal(err)
	}
	m := s.Messages()[0]
	if got := m.Header("Subject"); got != "Aviso de segurança" {
		t.Errorf("Subject = %q, want it decoded", got)
	}
	if got := m.Header("X-Herald-Incident"); got != "INC-7" {
		t.Errorf("X-Herald-Incident = %q", got)
	}
	if got := m.Header("X-Missing"); got != "" {
		t.Errorf("absent header = %q, want empty", got)
	}
	if got := (emailtest.Message{Data: []byte("no headers")}).Header("Subject"); got != "" {
		t.Errorf("header of an unparseable message = %q, want empty", got)
	}
}

func TestRejectRecipientsRefusesOnlyThose(t *testing.T) {
	s := emailtest.NewServer(t)
	s.SetRejectRecipients("bob@example.com")
	n := newNotifier(t, s.Config())
	_, err := n.Notify(context.Background(), delivery("bob@example.com"))
	var ne *notifier.Error
	if !errors.As(err, &ne) || !ne.Permanent || ne.Reason != "smtp 550 5.1.1 at rcpt to" {
		t.Fatalf("rejected recipient: error %v, want permanent smtp 550 5.1.1 at rcpt to", err)
	}
	if _, err := n.Notify(context.Background(), delivery("ana@example.com")); err != nil {
		t.Fatalf("other recipient: %v", err)
	}
	got := s.Messages()
	if s.Accepted() != 1 || len(got) != 1 || got[0].Recipients[0] != "ana@example.com" {
		t.Errorf("server stored %d messages (%v), want only ana's", len(got), got)
	}
}

// The behaviour every fake shares: faults replace each other, delays are
// observable, concurrent sends are stored once each. SMTP has no
// Retry-After, so a rate limit asks for no particular wait.
func TestFakeBehaviour(t *testing.T) {
	notifiertest.RunFake(t, notifiertest.FakeHarness{RateLimitWait: 0, Start: startFake})
}

func startFake(t *testing.T) notifiertest.FakeRun {
	s := emailtest.NewServer(t)
	n := newNotifier(t, s.Config())
	send := func(ctx context.Context, i int) (notifier.Receipt, error) {
		return n.Notify(ctx, delivery(fmt.Sprintf("user%d@example.com", i)))
	}
	messageIDs := func() (ids []string) {
		for _, m := range s.Messages() {
			ids = append(ids, strings.Trim(m.Header("Message-ID"), "<>"))
		}
		return ids
	}
	return notifiertest.FakeRun{Fake: s, Send: send, Arrived: s.Connections, IDs: messageIDs}
}

// Config of a STARTTLS server with auth is usable as it is.
func TestConfigWithStartTLSAndAuth(t *testing.T) {
	s := emailtest.NewServer(t, emailtest.WithStartTLS(t), emailtest.WithAuth("herald", "s3cretPass"))
	cfg := s.Config()
	if cfg.TLS != email.TLSStartTLS || cfg.Username != "herald" {
		t.Errorf("config %v, want starttls with the username", cfg)
	}
	if _, err := newNotifier(t, cfg).Notify(context.Background(), delivery("ana@example.com")); err != nil {
		t.Fatal(err)
	}
	if host, port := s.Addr(); host != cfg.Host || port != cfg.Port || s.Accepted() != 1 {
		t.Errorf("Addr %s:%d, config %s, accepted %d", host, port, cfg, s.Accepted())
	}
}
