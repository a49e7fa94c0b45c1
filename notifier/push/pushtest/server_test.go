package pushtest_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
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

func TestSetFaultReplacesTheLast(t *testing.T) {
	s := pushtest.NewServer(t)
	n := newNotifier(t, s.Config())
	s.SetFault(notifiertest.Reject)
	s.SetFault(notifiertest.RateLimited)
	_, err := n.Notify(context.Background(), delivery(phone))
	if notifier.IsPermanent(err) || notifier.RetryAfter(err) != time.Second {
		t.Errorf("rate limited: error %v, want retryable after 1s", err)
	}
	s.SetFault(notifiertest.Accept)
	if _, err := n.Notify(context.Background(), delivery(phone)); err != nil || s.Accepted() != 1 {
		t.Errorf("after Accept: error %v, accepted %d", err, s.Accepted())
	}
}

func TestDelayIsObservableMidway(t *testing.T) {
	s := pushtest.NewServer(t)
	s.SetDelay(300 * time.Millisecond)
	n := newNotifier(t, s.Config())
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := n.Notify(context.Background(), delivery(phone))
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if len(s.Tokens()) != 1 || s.Accepted() != 0 {
		t.Errorf("mid-delay: %d tokens asked, %d accepted; want 1 and 0", len(s.Tokens()), s.Accepted())
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 300*time.Millisecond || s.Accepted() != 1 {
		t.Errorf("took %v, accepted %d; want at least 300ms and 1", took, s.Accepted())
	}
}

func TestDelayOutlastingTheClientStoresNothing(t *testing.T) {
	s := pushtest.NewServer(t)
	s.SetDelay(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := newNotifier(t, s.Config()).Notify(ctx, delivery(phone)); err == nil {
		t.Fatal("Notify succeeded past its deadline")
	}
	time.Sleep(400 * time.Millisecond) // past the delay: a careless server stores it by now
	if s.Accepted() != 0 {
		t.Errorf("accepted %d, want 0", s.Accepted())
	}
}

func TestConcurrentSends(t *testing.T) {
	s := pushtest.NewServer(t)
	n := newNotifier(t, s.Config())
	const workers, each = 4, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if _, err := n.Notify(context.Background(), delivery(fmt.Sprintf("tok-%d-%d", w, i))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	names := map[string]bool{}
	for _, m := range s.Messages() {
		names[m.Name] = true
	}
	if s.Accepted() != workers*each || len(names) != workers*each {
		t.Errorf("accepted %d with %d distinct names, want %d", s.Accepted(), len(names), workers*each)
	}
}
