package emailtest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/email"
	"github.com/herald-notify/herald/notifier/email/emailtest"
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

// A delayed message is in flight, and not yet stored, until the delay ends.
func TestDelayIsObservableMidway(t *testing.T) {
	s := emailtest.NewServer(t)
	s.SetDelay(300 * time.Millisecond)
	n := newNotifier(t, s.Config())
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := n.Notify(context.Background(), delivery("ana@example.com"))
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if s.Connections() != 1 || s.Accepted() != 0 {
		t.Errorf("mid-delay: %d connections, %d accepted; want 1 and 0", s.Connections(), s.Accepted())
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("Notify took %v, want at least the 300ms delay", took)
	}
	if s.Accepted() != 1 {
		t.Errorf("accepted %d, want 1", s.Accepted())
	}
}

func TestDelayOutlastingTheClientStoresNothing(t *testing.T) {
	s := emailtest.NewServer(t)
	s.SetDelay(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := newNotifier(t, s.Config()).Notify(ctx, delivery("ana@example.com")); err == nil {
		t.Fatal("Notify succeeded past its deadline")
	}
	time.Sleep(400 * time.Millisecond) // past the delay: a careless server stores it by now
	if s.Accepted() != 0 {
		t.Errorf("accepted %d, want 0", s.Accepted())
	}
}

func TestConcurrentSends(t *testing.T) {
	s := emailtest.NewServer(t)
	n := newNotifier(t, s.Config())
	const workers, each = 4, 5
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				if _, err := n.Notify(context.Background(), delivery("ana@example.com")); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if s.Accepted() != workers*each || len(s.Messages()) != workers*each {
		t.Errorf("accepted %d, want %d", s.Accepted(), workers*each)
	}
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
