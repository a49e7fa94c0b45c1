package smstest_test

import (
	"context"
	"errors"
	"fmt"
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

// The behaviour every fake shares: faults replace each other, delays are
// observable, concurrent sends are stored once each.
func TestFakeBehaviour(t *testing.T) {
	notifiertest.RunFake(t, notifiertest.FakeHarness{RateLimitWait: time.Second, Start: startFake})
}

func startFake(t *testing.T) notifiertest.FakeRun {
	s := smstest.NewServer(t)
	n := newNotifier(t, s.Config())
	send := func(ctx context.Context, i int) (notifier.Receipt, error) {
		return n.Notify(ctx, delivery(fmt.Sprintf("+1415555%04d", i)))
	}
	sids := func() (ids []string) {
		for _, m := range s.Messages() {
			ids = append(ids, m.SID)
		}
		return ids
	}
	return notifiertest.FakeRun{Fake: s, Send: send, Arrived: s.Requests, IDs: sids}
}
