package pushtest_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/notifiertest"
	"github.com/herald-notify/herald/notifier/push"
	"github.com/herald-notify/herald/notifier/push/pushtest"
)

const (
	phone  = "phone-token-0001"
	laptop = "laptop-token-0002"
)

func delivery(tokens ...string) notifier.Delivery {
	return notifier.Delivery{IncidentID: "inc-7", SubjectID: "sub-7", Channel: "push", To: tokens,
		Message: notifier.Message{Title: "Incident inc-7", Text: "Your data was exposed."}}
}

func newNotifier(t *testing.T, cfg push.Config) *push.Notifier {
	t.Helper()
	n, err := push.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMessagesRecordWhatWasSent(t *testing.T) {
	s := pushtest.NewServer(t)
	r, err := newNotifier(t, s.Config()).Notify(context.Background(), delivery(phone))
	if err != nil {
		t.Fatal(err)
	}
	got := s.Messages()
	if len(got) != 1 || s.Accepted() != 1 {
		t.Fatalf("server has %d messages, want 1", len(got))
	}
	m := got[0]
	if m.Token != phone || m.Title != "Incident inc-7" || m.Body != "Your data was exposed." ||
		m.Data["incident_id"] != "inc-7" || m.Name != r.ProviderID {
		t.Errorf("message %+v does not match what was sent (receipt %q)", m, r.ProviderID)
	}
	if s.URL() != s.Config().Endpoint {
		t.Errorf("URL %q, config endpoint %q", s.URL(), s.Config().Endpoint)
	}
}

// Unregistered tokens are refused for good and reported; the others, and
// a token's own reply, win over the fault in force.
func TestUnregisteredAndTokenReplies(t *testing.T) {
	s := pushtest.NewServer(t)
	s.SetFault(notifiertest.Transient)
	s.SetUnregistered(phone)
	s.SetTokenReply(laptop, nil)
	res, err := newNotifier(t, s.Config()).Send(context.Background(), delivery(phone, laptop))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !slices.Equal(res.Unregistered, []string{phone}) || s.Accepted() != 1 || s.Messages()[0].Token != laptop {
		t.Errorf("unregistered %d tokens, accepted %d; want the phone retired and the laptop served",
			len(res.Unregistered), s.Accepted())
	}
	_, err = newNotifier(t, s.Config()).Notify(context.Background(), delivery("other-token"))
	if err == nil || notifier.IsPermanent(err) {
		t.Errorf("other token under Transient: error %v, want retryable", err)
	}
}

// The behaviour every fake shares: faults replace each other, delays are
// observable, concurrent sends are stored once each.
func TestFakeBehaviour(t *testing.T) {
	notifiertest.RunFake(t, notifiertest.FakeHarness{RateLimitWait: time.Second, Start: startFake})
}

func startFake(t *testing.T) notifiertest.FakeRun {
	s := pushtest.NewServer(t)
	n := newNotifier(t, s.Config())
	send := func(ctx context.Context, i int) (notifier.Receipt, error) {
		return n.Notify(ctx, delivery(fmt.Sprintf("tok-%d", i)))
	}
	asked := func() int { return len(s.Tokens()) }
	names := func() (ids []string) {
		for _, m := range s.Messages() {
			ids = append(ids, m.Name)
		}
		return ids
	}
	return notifiertest.FakeRun{Fake: s, Send: send, Arrived: asked, IDs: names}
}
