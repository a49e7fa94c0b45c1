package email

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// step is where the fake server refuses a message.
type step int

const (
	atNone step = iota
	atMail
	atRcpt
	atData // after the body, in answer to the final dot
)

// refusal is the fake server's answer at one stage.
type refusal struct {
	at   step
	code int
	enh  smtp.EnhancedCode
}

// received is one message the fake server accepted.
type received struct {
	from string
	to   []string
	data []byte
}

// fakeSMTP is an in-process SMTP server on 127.0.0.1 that stores what it
// accepts and refuses at a chosen stage. Its refusals quote the recipient,
// like real servers do, so tests can prove the channel never repeats them.
type fakeSMTP struct {
	addr   *net.TCPAddr
	refuse refusal
	user   string // if set, MAIL requires AUTH PLAIN with user/pass
	pass   string
	hold   chan struct{} // if set, RCPT waits for it to close
	inRcpt chan struct{} // signalled when RCPT arrives

	conns atomic.Int32
	mu    sync.Mutex
	msgs  []received
}

func (f *fakeSMTP) accepted() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.msgs)
}

func (f *fakeSMTP) messages() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.msgs...)
}

// start listens on 127.0.0.1:0 and serves until the test ends. A non-nil
// tlsConfig offers STARTTLS.
func (f *fakeSMTP) start(t testing.TB, tlsConfig *tls.Config) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = l.Addr().(*net.TCPAddr)
	f.inRcpt = make(chan struct{}, 1)
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		if f.user != "" {
			return &authSession{session{srv: f}}, nil
		}
		return &session{srv: f}, nil
	}))
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 5*time.Second, 5*time.Second
	s.TLSConfig = tlsConfig
	s.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = s.Serve(&countingListener{Listener: l, n: &f.conns}) }()
	t.Cleanup(func() { _ = s.Close() })
}

type countingListener struct {
	net.Listener
	n *atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

type session struct {
	srv    *fakeSMTP
	authed bool
	from   string
	to     []string
}

func (s *session) refusal(at step, rcpt string) error {
	r := s.srv.refuse
	if r.at != at {
		return nil
	}
	return &smtp.SMTPError{Code: r.code, EnhancedCode: r.enh,
		Message: fmt.Sprintf("<%s> refused by test server", rcpt)}
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return s.refusal(atMail, from)
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	select {
	case s.srv.inRcpt <- struct{}{}:
	default:
	}
	if s.srv.hold != nil {
		<-s.srv.hold
	}
	if err := s.refusal(atRcpt, to); err != nil {
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
	if err := s.refusal(atData, s.to[0]); err != nil {
		return err
	}
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, received{from: s.from, to: s.to, data: b})
	s.srv.mu.Unlock()
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
