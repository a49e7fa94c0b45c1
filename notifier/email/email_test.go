package email_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/email"
	"github.com/herald-notify/herald/notifier/email/emailtest"
	"github.com/herald-notify/herald/notifier/notifiertest"
)

var delivery = notifier.Delivery{
	IncidentID: "INC-2026-0042",
	SubjectID:  "u-1001",
	Channel:    "email",
	To:         []string{"ana@example.com"},
	Locale:     "pt-BR",
	TemplateID: "email/pt-BR/v1",
	Message: notifier.Message{
		Subject: "Aviso de segurança: acesso não autorizado",
		Text:    "Olá Ana,\nhouve um acesso não autorizado aos seus dados.\n",
		HTML:    "<p>Olá Ana,</p><p>houve um acesso não autorizado aos seus dados.</p>",
		Link:    "https://status.example.com/INC-2026-0042",
	},
}

// newNotifier builds a notifier from cfg; edit adjusts it first.
func newNotifier(t testing.TB, cfg email.Config, edit func(*email.Config)) *email.Notifier {
	t.Helper()
	if edit != nil {
		edit(&cfg)
	}
	n, err := email.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestConformance(t *testing.T) {
	notifiertest.Run(t, notifiertest.Harness{
		Start: func(t *testing.T, fault notifiertest.Fault) (notifier.Notifier, func() int) {
			s := emailtest.NewServer(t)
			s.SetFault(fault)
			return newNotifier(t, s.Config(), nil), s.Accepted
		},
		Delivery: delivery,
	})
}

func TestSMTPCodes(t *testing.T) {
	cases := []struct {
		refuse    emailtest.Refusal
		permanent bool
		reason    string
	}{
		{emailtest.Refusal{At: emailtest.AtMail, Code: 421, Enhanced: [3]int{4, 4, 5}}, false, "smtp 421 4.4.5 at mail from"},
		{emailtest.Refusal{At: emailtest.AtMail, Code: 550, Enhanced: [3]int{5, 7, 1}}, true, "smtp 550 5.7.1 at mail from"},
		{emailtest.Refusal{At: emailtest.AtRcpt, Code: 452, Enhanced: [3]int{4, 5, 3}}, false, "smtp 452 4.5.3 at rcpt to"},
		{emailtest.Refusal{At: emailtest.AtRcpt, Code: 421, Enhanced: [3]int{4, 7, 0}}, false, "smtp 421 4.7.0 at rcpt to"},
		{emailtest.Refusal{At: emailtest.AtRcpt, Code: 550, Enhanced: [3]int{5, 1, 1}}, true, "smtp 550 5.1.1 at rcpt to"},
		{emailtest.Refusal{At: emailtest.AtData, Code: 451, Enhanced: [3]int{4, 3, 0}}, false, "smtp 451 4.3.0 at end of data"},
		{emailtest.Refusal{At: emailtest.AtData, Code: 554, Enhanced: [3]int{5, 6, 0}}, true, "smtp 554 5.6.0 at end of data"},
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			s := emailtest.NewServer(t)
			s.SetRefusal(c.refuse)
			_, err := newNotifier(t, s.Config(), nil).Notify(context.Background(), delivery)
			var ne *notifier.Error
			if !errors.As(err, &ne) {
				t.Fatalf("Notify error %v is not a *notifier.Error", err)
			}
			if ne.Permanent != c.permanent || ne.Reason != c.reason {
				t.Errorf("got permanent=%v reason=%q, want %v %q", ne.Permanent, ne.Reason, c.permanent, c.reason)
			}
			notifiertest.AssertNoPersonalData(t, err, delivery)
			if s.Accepted() != 0 {
				t.Error("server stored a refused message")
			}
		})
	}
}

func TestMessageIsMultipartWithHeaders(t *testing.T) {
	s := emailtest.NewServer(t)
	r, err := newNotifier(t, s.Config(), nil).Notify(context.Background(), delivery)
	if err != nil {
		t.Fatal(err)
	}
	if r.Provider != "smtp" {
		t.Errorf("provider %q, want smtp", r.Provider)
	}
	got := s.Messages()
	if len(got) != 1 {
		t.Fatalf("server got %d messages, want 1", len(got))
	}
	if got[0].From != "security@herald.test" || len(got[0].Recipients) != 1 || got[0].Recipients[0] != "ana@example.com" {
		t.Errorf("envelope from %q to %q", got[0].From, got[0].Recipients)
	}
	m, err := netmail.ReadMessage(bytes.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	checkHeaders(t, m.Header, r.ProviderID)
	parts := emailtest.Alternatives(t, m)
	if parts["text/plain"] != delivery.Message.Text || parts["text/html"] != delivery.Message.HTML || len(parts) != 2 {
		t.Errorf("parts = %q, want the text and the HTML", parts)
	}
}

func checkHeaders(t *testing.T, h netmail.Header, messageID string) {
	t.Helper()
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != delivery.Message.Subject {
		t.Errorf("Subject = %q (%v)", subject, err)
	}
	want := map[string]string{
		"From":              `"Herald Test" <security@herald.test>`,
		"To":                "<ana@example.com>",
		"Message-ID":        "<" + messageID + ">",
		"X-Herald-Incident": "INC-2026-0042",
		"Content-Language":  "pt-BR",
		"Auto-Submitted":    "auto-generated",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if !strings.HasSuffix(messageID, "@herald.test") {
		t.Errorf("Message-ID %q is not in the sender's domain", messageID)
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
}

func TestTextOnlyMessage(t *testing.T) {
	s := emailtest.NewServer(t)
	d := delivery
	d.Message.HTML = ""
	if _, err := newNotifier(t, s.Config(), nil).Notify(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	m, err := netmail.ReadMessage(bytes.NewReader(s.Messages()[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if mt, _, _ := mime.ParseMediaType(m.Header.Get("Content-Type")); mt != "text/plain" {
		t.Errorf("Content-Type %q, want text/plain", mt)
	}
	b, _ := io.ReadAll(m.Body)
	if !strings.Contains(string(b), "n=C3=A3o autorizado") {
		t.Errorf("body is not the quoted-printable text: %q", b)
	}
}

func TestBadDeliveryIsPermanentAndNeverDials(t *testing.T) {
	s := emailtest.NewServer(t)
	n := newNotifier(t, s.Config(), nil)
	for _, to := range [][]string{
		nil, {""}, {"ana.example.com"}, {"ana@"}, {"ana@example.com, bob@example.com"},
		{"ana@example.com>\r\nRCPT TO:<bob@example.com"},
	} {
		d := delivery
		d.To = to
		_, err := n.Notify(context.Background(), d)
		if !notifier.IsPermanent(err) {
			t.Errorf("To %q: error %v, want permanent", to, err)
		}
		notifiertest.AssertNoPersonalData(t, err, d)
	}
	d := delivery
	d.Message.Text, d.Message.HTML = "", ""
	if _, err := n.Notify(context.Background(), d); !notifier.IsPermanent(err) {
		t.Errorf("empty body: error %v, want permanent", err)
	}
	if c := s.Connections(); c != 0 {
		t.Errorf("server saw %d connections, want none", c)
	}
}

func TestConnectionRefusedIsRetryable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := email.Config{Host: "127.0.0.1", Port: port, From: emailtest.From, TLS: email.TLSNone, Timeout: 5 * time.Second}
	_, err = newNotifier(t, cfg, nil).Notify(context.Background(), delivery)
	if err == nil || notifier.IsPermanent(err) {
		t.Fatalf("error %v, want retryable", err)
	}
	notifiertest.AssertNoPersonalData(t, err, delivery)
}

// A cancel while the server is slow to answer RCPT must end the session at
// once (not after Timeout) and leave nothing delivered.
func TestCancelDuringSession(t *testing.T) {
	s := emailtest.NewServer(t)
	inRcpt, release := s.HoldRcpt()
	t.Cleanup(release)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-inRcpt; cancel() }()
	start := time.Now()
	_, err := newNotifier(t, s.Config(), nil).Notify(ctx, delivery)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Notify took %v after cancel, want well under the 5s timeout", took)
	}
	if !errors.Is(err, context.Canceled) || notifier.IsPermanent(err) {
		t.Errorf("error %v, want a retryable error wrapping context.Canceled", err)
	}
	if s.Accepted() != 0 {
		t.Error("server accepted a cancelled message")
	}
}

func TestStartTLSWithAuth(t *testing.T) {
	s := emailtest.NewServer(t, emailtest.WithStartTLS(t), emailtest.WithAuth("herald", "s3cretPass"))
	tlsAuth := func(pass string) func(*email.Config) {
		return func(c *email.Config) {
			c.TLS, c.TLSConfig, c.Username, c.Password = email.TLSStartTLS, s.ClientTLS(), "herald", pass
		}
	}
	if _, err := newNotifier(t, s.Config(), tlsAuth("s3cretPass")).Notify(context.Background(), delivery); err != nil {
		t.Fatalf("Notify over STARTTLS: %v", err)
	}
	_, err := newNotifier(t, s.Config(), tlsAuth("wrongPass")).Notify(context.Background(), delivery)
	if !notifier.IsPermanent(err) || !strings.Contains(err.Error(), "smtp 535 at connect") {
		t.Errorf("bad password: error %v, want permanent smtp 535", err)
	}
	if strings.Contains(err.Error(), "wrongPass") {
		t.Errorf("error text %q contains the password", err)
	}
	if s.Accepted() != 1 {
		t.Errorf("server accepted %d messages, want 1", s.Accepted())
	}
}

// starttls is mandatory: a server that does not offer it gets nothing.
func TestStartTLSNeverFallsBackToPlain(t *testing.T) {
	s := emailtest.NewServer(t)
	_, err := newNotifier(t, s.Config(), func(c *email.Config) { c.TLS = email.TLSStartTLS }).Notify(context.Background(), delivery)
	if err == nil || notifier.IsPermanent(err) {
		t.Errorf("error %v, want retryable", err)
	}
	if s.Accepted() != 0 {
		t.Error("message sent in plain text")
	}
}

// BenchmarkNotify measures one connection per message against the local
// fake: go test -run - -bench . ./notifier/email/
func BenchmarkNotify(b *testing.B) {
	s := emailtest.NewServer(b)
	n := newNotifier(b, s.Config(), nil)
	b.ResetTimer()
	for b.Loop() {
		if _, err := n.Notify(context.Background(), delivery); err != nil {
			b.Fatal(err)
		}
	}
}
