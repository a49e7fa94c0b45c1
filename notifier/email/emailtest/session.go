package emailtest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net"
	netmail "net/mail"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Step is the SMTP command a Refusal answers.
type Step int

const (
	AtNone Step = iota
	AtMail      // MAIL FROM
	AtRcpt      // RCPT TO
	AtData      // the final dot after the body
)

// Refusal is the server's answer at one step, e.g. 550 5.1.1 at RCPT.
type Refusal struct {
	At       Step
	Code     int
	Enhanced [3]int
}

// Message is one message the server accepted.
type Message struct {
	From       string   // envelope sender
	Recipients []string // envelope recipients
	Data       []byte   // the raw message, headers and body
}

// Header returns the named header of the message with RFC 2047 encoded
// words decoded, or "" if it is absent or the message does not parse.
func (m Message) Header(name string) string {
	msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return ""
	}
	v := msg.Header.Get(name)
	if dec, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
		return dec
	}
	return v
}

func (s *Server) newSession(*smtp.Conn) (smtp.Session, error) {
	if s.user != "" {
		return &authSession{session{srv: s}}, nil
	}
	return &session{srv: s}, nil
}

// session is one SMTP connection's transaction.
type session struct {
	srv    *Server
	authed bool
	from   string
	to     []string
}

// refusal is the error the server answers at step for rcpt, or nil.
func (s *session) refusal(at Step, rcpt string) error {
	s.srv.mu.Lock()
	r, rejected := s.srv.refuse, at == AtRcpt && s.srv.rejects[rcpt]
	s.srv.mu.Unlock()
	if rejected {
		r = unknownUser
	}
	if r.At != at {
		return nil
	}
	return &smtp.SMTPError{Code: r.Code, EnhancedCode: smtp.EnhancedCode(r.Enhanced),
		Message: fmt.Sprintf("<%s> refused by test server", rcpt)}
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	// go-smtp gives a session no context, so only the server's end cuts
	// the wait short; a client that gives up meanwhile never reaches DATA.
	s.srv.rec.Wait(context.Background(), s.srv.done)
	s.from = from
	return s.refusal(AtMail, from)
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	select {
	case s.srv.arrived <- struct{}{}:
	default:
	}
	s.srv.mu.Lock()
	hold := s.srv.hold
	s.srv.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-s.srv.done:
		}
	}
	if err := s.refusal(AtRcpt, to); err != nil {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := s.refusal(AtData, s.to[0]); err != nil {
		return err
	}
	s.srv.rec.Record(Message{From: s.from, Recipients: s.to, Data: b})
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// authSession offers AUTH PLAIN (only after STARTTLS: go-smtp refuses
// insecure auth by default).
type authSession struct{ session }

func (s *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *authSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.user || pass != s.srv.pass {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

// testCert makes a self-signed certificate for 127.0.0.1 and returns the
// server config and a client config that trusts it.
func testCert(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "herald test smtp"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: pool}
}
