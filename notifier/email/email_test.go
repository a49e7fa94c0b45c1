package email

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/herald-notify/herald/notifier"
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

const testFrom = "Herald Test <security@herald.test>"

// newNotifier points a plain-SMTP notifier at f; edit adjusts the config.
func newNotifier(t testing.TB, f *fakeSMTP, edit func(*Config)) *Notifier {
	t.Helper()
	cfg := Config{Host: "127.0.0.1", Port: f.addr.Port, From: testFrom, TLS: TLSNone, Timeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var faults = map[notifiertest.Fault]refusal{
	notifiertest.Accept:      {},
	notifiertest.Transient:   {at: atRcpt, code: 451, enh: smtp.EnhancedCode{4, 3, 0}},
	notifiertest.RateLimited: {at: atData, code: 421, enh: smtp.EnhancedCode{4, 7, 0}},
	notifiertest.Reject:      {at: atRcpt, code: 550, enh: smtp.EnhancedCode{5, 1, 1}},
}

func TestConformance(t *testing.T) {
	notifiertest.Run(t, notifiertest.Harness{
		Start: func(t *testing.T, fault notifiertest.Fault) (notifier.Notifier, func() int) {
			f := &fakeSMTP{refuse: faults[fault]}
			f.start(t, nil)
			return newNotifier(t, f, nil), f.accepted
		},
		Delivery: delivery,
	})
}

func TestSMTPCodes(t *testing.T) {
	cases := []struct {
		refuse    refusal
		permanent bool
		reason    string
	}{
		{refusal{atMail, 421, smtp.EnhancedCode{4, 4, 5}}, false, "smtp 421 4.4.5 at mail from"},
		{refusal{atMail, 550, smtp.EnhancedCode{5, 7, 1}}, true, "smtp 550 5.7.1 at mail from"},
		{refusal{atRcpt, 452, smtp.EnhancedCode{4, 5, 3}}, false, "smtp 452 4.5.3 at rcpt to"},
		{refusal{atRcpt, 421, smtp.EnhancedCode{4, 7, 0}}, false, "smtp 421 4.7.0 at rcpt to"},
		{refusal{atRcpt, 550, smtp.EnhancedCode{5, 1, 1}}, true, "smtp 550 5.1.1 at rcpt to"},
		{refusal{atData, 451, smtp.EnhancedCode{4, 3, 0}}, false, "smtp 451 4.3.0 at end of data"},
		{refusal{atData, 554, smtp.EnhancedCode{5, 6, 0}}, true, "smtp 554 5.6.0 at end of data"},
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			f := &fakeSMTP{refuse: c.refuse}
			f.start(t, nil)
			_, err := newNotifier(t, f, nil).Notify(context.Background(), delivery)
			var ne *notifier.Error
			if !errors.As(err, &ne) {
				t.Fatalf("Notify error %v is not a *notifier.Error", err)
			}
			if ne.Permanent != c.permanent || ne.Reason != c.reason {
				t.Errorf("got permanent=%v reason=%q, want %v %q", ne.Permanent, ne.Reason, c.permanent, c.reason)
			}
			notifiertest.AssertNoPersonalData(t, err, delivery)
			if f.accepted() != 0 {
				t.Error("server stored a refused message")
			}
		})
	}
}

func TestMessageIsMultipartWithHeaders(t *testing.T) {
	f := &fakeSMTP{}
	f.start(t, nil)
	r, err := newNotifier(t, f, nil).Notify(context.Background(), delivery)
	if err != nil {
		t.Fatal(err)
	}
	if r.Provider != "smtp" {
		t.Errorf("provider %q, want smtp", r.Provider)
	}
	got := f.messages()
	if len(got) != 1 {
		t.Fatalf("server got %d messages, want 1", len(got))
	}
	if got[0].from != "security@herald.test" || len(got[0].to) != 1 || got[0].to[0] != "ana@example.com" {
		t.Errorf("envelope from %q to %q", got[0].from, got[0].to)
	}
	m, err := netmail.ReadMessage(bytes.NewReader(got[0].data))
	if err != nil {
		t.Fatal(err)
	}
	checkHeaders(t, m.Header, r.ProviderID)
	parts := readAlternatives(t, m)
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

// readAlternatives returns the decoded body of each part of a
// multipart/alternative message, by content type.
func readAlternatives(t *testing.T, m *netmail.Message) map[string]string {
	t.Helper()
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", mt, err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		parts[ct] = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
}

func TestTextOnlyMessage(t *testing.T) {
	f := &fakeSMTP{}
	f.start(t, nil)
	d := delivery
	d.Message.HTML = ""
	if _, err := newNotifier(t, f, nil).Notify(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	m, err := netmail.ReadMessage(bytes.NewReader(f.messages()[0].data))
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
	f := &fakeSMTP{}
	f.start(t, nil)
	n := newNotifier(t, f, nil)
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
	if c := f.conns.Load(); c != 0 {
		t.Errorf("server saw %d connections, want none", c)
	}
}

func TestConnectionRefusedIsRetryable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{addr: l.Addr().(*net.TCPAddr)}
	l.Close()
	_, err = newNotifier(t, f, nil).Notify(context.Background(), delivery)
	if err == nil || notifier.IsPermanent(err) {
		t.Fatalf("error %v, want retryable", err)
	}
	notifiertest.AssertNoPersonalData(t, err, delivery)
}

// A cancel while the server is slow to answer RCPT must end the session at
// once (not after Timeout) and leave nothing delivered.
func TestCancelDuringSession(t *testing.T) {
	f := &fakeSMTP{hold: make(chan struct{})}
	f.start(t, nil)
	t.Cleanup(func() { close(f.hold) })
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-f.inRcpt; cancel() }()
	start := time.Now()
	_, err := newNotifier(t, f, nil).Notify(ctx, delivery)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Notify took %v after cancel, want well under the 5s timeout", took)
	}
	if !errors.Is(err, context.Canceled) || notifier.IsPermanent(err) {
		t.Errorf("error %v, want a retryable error wrapping context.Canceled", err)
	}
	if f.accepted() != 0 {
		t.Error("server accepted a cancelled message")
	}
}

func TestStartTLSWithAuth(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	f := &fakeSMTP{user: "herald", pass: "s3cretPass"}
	f.start(t, serverTLS)
	tlsAuth := func(pass string) func(*Config) {
		return func(c *Config) {
			c.TLS, c.TLSConfig, c.Username, c.Password = TLSStartTLS, clientTLS, "herald", pass
		}
	}
	if _, err := newNotifier(t, f, tlsAuth("s3cretPass")).Notify(context.Background(), delivery); err != nil {
		t.Fatalf("Notify over STARTTLS: %v", err)
	}
	_, err := newNotifier(t, f, tlsAuth("wrongPass")).Notify(context.Background(), delivery)
	if !notifier.IsPermanent(err) || !strings.Contains(err.Error(), "smtp 535 at connect") {
		t.Errorf("bad password: error %v, want permanent smtp 535", err)
	}
	if strings.Contains(err.Error(), "wrongPass") {
		t.Errorf("error text %q contains the password", err)
	}
	if f.accepted() != 1 {
		t.Errorf("server accepted %d messages, want 1", f.accepted())
	}
}

// starttls is mandatory: a server that does not offer it gets nothing.
func TestStartTLSNeverFallsBackToPlain(t *testing.T) {
	f := &fakeSMTP{}
	f.start(t, nil)
	_, err := newNotifier(t, f, func(c *Config) { c.TLS = TLSStartTLS }).Notify(context.Background(), delivery)
	if err == nil || notifier.IsPermanent(err) {
		t.Errorf("error %v, want retryable", err)
	}
	if f.accepted() != 0 {
		t.Error("message sent in plain text")
	}
}

// BenchmarkNotify measures one connection per message against the local
// fake: go test -run - -bench . ./notifier/email/
func BenchmarkNotify(b *testing.B) {
	f := &fakeSMTP{}
	f.start(b, nil)
	n := newNotifier(b, f, nil)
	b.ResetTimer()
	for b.Loop() {
		if _, err := n.Notify(context.Background(), delivery); err != nil {
			b.Fatal(err)
		}
	}
}
