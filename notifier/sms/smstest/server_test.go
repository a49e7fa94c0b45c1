package smstest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/notifiertest"
	"github.com/herald-notify/herald/notifier/sms"
	"github.com/herald-notify/herald/notifier/sms/smstest"
)

const (
	ana = "+14155550123"
	bob = "+14155550124"
)

func delivery(to string) notifier.Delivery {
	return notifier.Delivery{IncidentID: "inc-7", SubjectID: "sub-7", Channel: "sms", To: []string{to},
		Message: notifier.Message{Text: "Your data was exposed in inc-7."}}
}

func newNotifier(t *testing.T, cfg sms.Config) *sms.Notifier {
	t.Helper()
	n, err := sms.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMessagesRecordWhatWasSent(t *testing.T) {
	s := smstest.NewServer(t)
	r, err := newNotifier(t, s.Config()).Notify(context.Background(), delivery(ana))
	if err != nil {
		t.Fatal(err)
	}
	got := s.Messages()
	if len(got) != 1 || s.Accepted() != 1 {
		t.Fatalf("server has %d messages, want 1", len(got))
	}
	m := got[0]
	if m.To != ana || m.From != smstest.From || m.Body != delivery(ana).Message.Text || m.SID != r.ProviderID {
		t.Errorf("message %+v does not match what was sent (receipt %q)", m, r.ProviderID)
	}
	if c := s.Credentials(); c.AccountSID != s.Config().AccountSID || c.AuthToken != s.Config().AuthToken {
		t.Errorf("Credentials %+v differ from Config's", c)
	}
}

func TestRejectNumbersRefusesOnlyThose(t *testing.T) {
	s := smstest.NewServer(t)
	s.SetRejectNumbers(bob)
	n := newNotifier(t, s.Config())
	_, err := n.Notify(context.Background(), delivery(bob))
	var ne *notifier.Error
	if !errors.As(err, &ne) || !ne.Permanent || ne.Reason != "twilio 21211 invalid number" {
		t.Fatalf("rejected number: error %v, want permanent twilio 21211", err)
	}
	if _, err := n.Notify(context.Background(), delivery(ana)); err != nil {
		t.Fatalf("other number: %v", err)
	}
	if got := s.Messages(); len(got) != 1 || got[0].To != ana || s.Requests() != 2 {
		t.Errorf("server kept %d of %d requests, want only ana's", len(got), s.Requests())
	}
}

// A fault set later replaces the earlier one; Accept clears it.
func TestSetFaultReplacesTheLast(t *testing.T) {
	s := smstest.NewServer(t)
	n := newNotifier(t, s.Config())
	s.SetFault(notifiertest.Reject)
	s.SetFault(notifiertest.RateLimited)
	_, err := n.Notify(context.Background(), delivery(ana))
	if notifier.IsPermanent(err) || notifier.RetryAfter(err) != time.Second {
		t.Errorf("rate limited: error %v, want retryable after 1s", err)
	}
	s.SetFault(notifiertest.Accept)
	if _, err := n.Notify(context.Background(), delivery(ana)); err != nil || s.Accepted() != 1 {
		t.Errorf("after Accept: error %v, accepted %d", err, s.Accepted())
	}
}

func TestDelayIsObservableMidway(t *testing.T) {
	s := smstest.NewServer(t)
	s.SetDelay(300 * time.Millisecond)
	n := newNotifier(t, s.Config())
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := n.Notify(context.Background(), delivery(ana))
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if s.Requests() != 1 || s.Accepted() != 0 {
		t.Errorf("mid-delay: %d requests, %d accepted; want 1 and 0", s.Requests(), s.Accepted())
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 300*time.Millisecond || s.Accepted() != 1 {
		t.Errorf("took %v, accepted %d; want at least 300ms and 1", took, s.Accepted())
	}
}

func TestDelayOutlastingTheClientStoresNothing(t *testing.T) {
	s := smstest.NewServer(t)
	s.SetDelay(300 * time.Millisecond)
	cfg := s.Config()
	cfg.Timeout = 100 * time.Millisecond
	if _, err := newNotifier(t, cfg).Notify(context.Background(), delivery(ana)); err == nil {
		t.Fatal("Notify succeeded past its timeout")
	}
	time.Sleep(400 * time.Millisecond) // past the delay: a careless server stores it by now
	if s.Accepted() != 0 {
		t.Errorf("accepted %d, want 0", s.Accepted())
	}
}

func TestConcurrentSends(t *testing.T) {
	s := smstest.NewServer(t)
	n := newNotifier(t, s.Config())
	const workers, each = 4, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if _, err := n.Notify(context.Background(), delivery(fmt.Sprintf("+1415555%02d%02d", w, i))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	sids := map[string]bool{}
	for _, m := range s.Messages() {
		sids[m.SID] = true
	}
	if s.Accepted() != workers*each || len(sids) != workers*each {
		t.Errorf("accepted %d with %d distinct SIDs, want %d", s.Accepted(), len(sids), workers*each)
	}
}
