package push_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/notifiertest"
	"github.com/herald-notify/herald/notifier/push"
	"github.com/herald-notify/herald/notifier/push/pushtest"
)

const (
	phoneToken = "dQw4w9WgXcQ:APA91bH-phone-token-0001"
	laptopTok  = "eX4mPl3t0k3n:APA91bH-laptop-token-0002"
)

func delivery(tokens ...string) notifier.Delivery {
	if len(tokens) == 0 {
		tokens = []string{phoneToken}
	}
	return notifier.Delivery{
		IncidentID: "inc-1", SubjectID: "sub-1", Channel: "push", To: tokens,
		Message: notifier.Message{
			Title: "Security incident inc-1",
			Text:  "Your account data was exposed. Reset your password.",
			Link:  "https://status.example.org/incidents/inc-1",
		},
	}
}

func newNotifier(t *testing.T, cfg push.Config) *push.Notifier {
	t.Helper()
	n, err := push.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n
}

var (
	quota = pushtest.ErrorReply(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded.", map[string]string{"Retry-After": "30"})
	// FCM quotes the token back when it cannot parse it.
	invalidToken = pushtest.ErrorReply(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
		"The registration token is not a valid FCM registration token: "+phoneToken, nil)
)

func TestConformance(t *testing.T) {
	notifiertest.Run(t, notifiertest.Harness{
		Start: func(t *testing.T, fault notifiertest.Fault) (notifier.Notifier, func() int) {
			s := pushtest.NewServer(t)
			s.SetFault(fault)
			return newNotifier(t, s.Config()), s.Accepted
		},
		Delivery: delivery(),
	})
}

func TestMessageFields(t *testing.T) {
	s := pushtest.NewServer(t)
	d := delivery()
	r, err := newNotifier(t, s.Config()).Notify(context.Background(), d)
	if err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if r.Provider != "fcm" || !strings.HasPrefix(r.ProviderID, "projects/"+pushtest.ProjectID+"/messages/") {
		t.Errorf("receipt = %+v, want fcm and the message name", r)
	}
	m := s.Messages()[0]
	if m.Token != phoneToken || m.Title != d.Message.Title || m.Body != d.Message.Text {
		t.Error("token, title or body not as sent")
	}
	if m.Data["incident_id"] != "inc-1" || m.Data["link"] != d.Message.Link || m.WebpushLink != d.Message.Link {
		t.Errorf("data %v / webpush link %q, want incident id and link", m.Data, m.WebpushLink)
	}
	if m.Name != r.ProviderID {
		t.Errorf("server named the message %q, receipt says %q", m.Name, r.ProviderID)
	}
}

func TestPlainHTTPLinkStaysInData(t *testing.T) {
	s := pushtest.NewServer(t)
	d := delivery()
	d.Message.Link = "http://intranet/incidents/inc-1"
	if _, err := newNotifier(t, s.Config()).Notify(context.Background(), d); err != nil {
		t.Fatalf("Notify: %v", err) // the SDK refuses a non-https web push link
	}
	if m := s.Messages()[0]; m.Data["link"] != d.Message.Link || m.WebpushLink != "" {
		t.Errorf("data link %q, webpush link %q", m.Data["link"], m.WebpushLink)
	}
}

func TestSecondTokenAfterUnregistered(t *testing.T) {
	s := pushtest.NewServer(t)
	s.SetUnregistered(phoneToken)
	res, err := newNotifier(t, s.Config()).Send(context.Background(), delivery(phoneToken, laptopTok))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := s.Tokens(); !slices.Equal(got, []string{phoneToken, laptopTok}) {
		t.Errorf("fake was asked %d tokens, want phone then laptop", len(got))
	}
	if s.Accepted() != 1 || s.Messages()[0].Token != laptopTok || res.Receipt.ProviderID == "" {
		t.Errorf("want the laptop token accepted with a receipt, got receipt %+v", res.Receipt)
	}
	if !slices.Equal(res.Unregistered, []string{phoneToken}) {
		t.Errorf("Unregistered has %d tokens, want just the phone's", len(res.Unregistered))
	}
}

// Notify, the dispatcher's entry, hands the unregistered tokens back on the
// receipt, so they are retired whether or not another token worked.
func TestNotifyReportsUnregisteredTokens(t *testing.T) {
	s := pushtest.NewServer(t)
	s.SetUnregistered(phoneToken)
	r, err := newNotifier(t, s.Config()).Notify(context.Background(), delivery(phoneToken, laptopTok))
	if err != nil || !slices.Equal(r.Unregistered, []string{phoneToken}) {
		t.Errorf("Notify = %d unregistered tokens, %v; want just the phone's", len(r.Unregistered), err)
	}
	s.SetUnregistered(laptopTok)
	r, err = newNotifier(t, s.Config()).Notify(context.Background(), delivery(phoneToken, laptopTok))
	if !notifier.IsPermanent(err) || len(r.Unregistered) != 2 {
		t.Errorf("all tokens gone: %d unregistered, %v; want both, permanent", len(r.Unregistered), err)
	}
}

func TestStopsAtFirstSuccess(t *testing.T) {
	s := pushtest.NewServer(t)
	if _, err := newNotifier(t, s.Config()).Notify(context.Background(), delivery(phoneToken, laptopTok)); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if got := s.Tokens(); len(got) != 1 || got[0] != phoneToken {
		t.Errorf("fake was asked %d tokens, want only the first", len(got))
	}
}

func TestEveryTokenFails(t *testing.T) {
	cases := []struct {
		name      string
		laptop    *pushtest.Reply
		permanent bool
		reason    string
	}{
		{"all permanent", invalidToken, true, "fcm token unregistered"},
		{"one retryable", quota, false, "fcm quota exceeded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := pushtest.NewServer(t)
			s.SetUnregistered(phoneToken)
			s.SetTokenReply(laptopTok, c.laptop)
			d := delivery(phoneToken, laptopTok)
			res, err := newNotifier(t, s.Config()).Send(context.Background(), d)
			assertClass(t, err, d, c.permanent, c.reason)
			if !slices.Equal(res.Unregistered, []string{phoneToken}) {
				t.Errorf("Unregistered has %d tokens, want just the phone's", len(res.Unregistered))
			}
		})
	}
}

func TestRetryAfterSurfaced(t *testing.T) {
	s := pushtest.NewServer(t)
	s.SetReply(quota)
	_, err := newNotifier(t, s.Config()).Notify(context.Background(), delivery())
	if got := notifier.RetryAfter(err); got != 30*time.Second {
		t.Errorf("RetryAfter = %v, want 30s (err %v)", got, err)
	}
}

func TestClassification(t *testing.T) {
	cases := []struct {
		name      string
		reply     *pushtest.Reply
		permanent bool
		reason    string
	}{
		{"invalid token", invalidToken, true, "fcm invalid argument"},
		{"bare 400", pushtest.ErrorReply(400, "INVALID_ARGUMENT", "", "Invalid JSON payload", nil), true, "fcm invalid argument"},
		{"sender mismatch", pushtest.ErrorReply(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch", nil), true, "fcm sender id mismatch"},
		{"apns auth", pushtest.ErrorReply(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", "Auth error from APNS", nil), false, "fcm auth failed"},
		{"our auth", pushtest.ErrorReply(403, "PERMISSION_DENIED", "", "Permission denied", nil), false, "fcm auth failed"},
		{"bare 429", &pushtest.Reply{Status: 429, Header: map[string]string{"Retry-After": "5"}, Body: "slow down"}, false, "fcm quota exceeded"},
		{"500", pushtest.ErrorReply(500, "INTERNAL", "INTERNAL", "Internal error", nil), false, "fcm http 500"},
		{"html 502", &pushtest.Reply{Status: 502, Body: "<html>Bad Gateway</html>"}, false, "fcm http 502"},
		{"404 without fcm code", pushtest.ErrorReply(404, "NOT_FOUND", "", "Project not found", nil), false, "fcm http 404"},
		{"unparseable success", &pushtest.Reply{Status: 200, Body: "<html>ok</html>"}, false, "fcm bad response"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := pushtest.NewServer(t)
			s.SetReply(c.reply)
			_, err := newNotifier(t, s.Config()).Notify(context.Background(), delivery())
			assertClass(t, err, delivery(), c.permanent, c.reason)
		})
	}
}

func TestNoTokenSendsNothing(t *testing.T) {
	for _, to := range [][]string{nil, {""}} {
		s := pushtest.NewServer(t)
		d := delivery()
		d.To = to
		_, err := newNotifier(t, s.Config()).Notify(context.Background(), d)
		assertClass(t, err, d, true, "no push token")
		if len(s.Tokens()) != 0 {
			t.Error("fake was asked despite no token")
		}
	}
}

func TestCancelMidRequest(t *testing.T) {
	s := pushtest.NewServer(t)
	s.SetReply(&pushtest.Reply{Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := newNotifier(t, s.Config()).Notify(ctx, delivery())
	assertClass(t, err, delivery(), false, "fcm request cancelled")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to wrap context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Notify took %v after cancel at 100ms", d)
	}
}

// The SDK retries network errors 4 times over about 7 s before giving up.
func TestUnreachable(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the SDK's own retries")
	}
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := newNotifier(t, push.Config{ProjectID: pushtest.ProjectID, Endpoint: srv.URL}).Notify(context.Background(), delivery())
	assertClass(t, err, delivery(), false, "fcm unreachable")
}

func TestValidate(t *testing.T) {
	cases := map[string]struct {
		cfg   push.Config
		field string
	}{
		"no project":   {push.Config{Endpoint: "http://127.0.0.1:1"}, "push.project_id"},
		"no creds":     {push.Config{ProjectID: "p"}, "push.credentials_file"},
		"bad endpoint": {push.Config{ProjectID: "p", Endpoint: "127.0.0.1:1"}, "push.endpoint"},
		"not http":     {push.Config{ProjectID: "p", Endpoint: "ftp://host"}, "push.endpoint"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := push.New(context.Background(), c.cfg)
			if incident.ErrorCode(err) != incident.CodeInvalid || incident.ErrorField(err) != c.field {
				t.Errorf("New: err = %v, want invalid %s", err, c.field)
			}
		})
	}
}

// New with a service account file builds the real client without a network
// call; a missing file fails at once rather than at the first send.
func TestNewWithCredentialsFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "sa.json")
	writeServiceAccount(t, good)
	if _, err := push.New(context.Background(), push.Config{ProjectID: pushtest.ProjectID, CredentialsFile: good}); err != nil {
		t.Errorf("New with a service account file: %v", err)
	}
	_, err := push.New(context.Background(), push.Config{ProjectID: pushtest.ProjectID, CredentialsFile: filepath.Join(dir, "missing.json")})
	if err == nil {
		t.Error("New with a missing credentials file succeeded")
	}
}

func writeServiceAccount(t *testing.T, path string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	sa := map[string]string{
		"type": "service_account", "project_id": pushtest.ProjectID, "private_key_id": "k1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "herald@" + pushtest.ProjectID + ".iam.gserviceaccount.com", "client_id": "1",
		"token_uri": "http://127.0.0.1:1/token",
	}
	b, _ := json.Marshal(sa)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func assertClass(t *testing.T, err error, d notifier.Delivery, permanent bool, reason string) {
	t.Helper()
	var e *notifier.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want a *notifier.Error", err)
	}
	if e.Permanent != permanent || e.Reason != reason {
		t.Errorf("got permanent=%v reason %q, want permanent=%v reason %q", e.Permanent, e.Reason, permanent, reason)
	}
	notifiertest.AssertNoPersonalData(t, err, d)
}
