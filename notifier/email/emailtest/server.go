// Package emailtest runs a local SMTP server (emersion/go-smtp) for tests of
// the email channel and of anything that sends through it. The server
// stores what it accepts and can refuse at a chosen SMTP step, like a real
// relay; its refusals quote the recipient, as real servers do, so tests can
// prove the channel never repeats them. It is safe for concurrent use.
package emailtest

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/herald-notify/herald/notifier/email"
	"github.com/herald-notify/herald/notifier/notifiertest"
)

// From is the sender in the Config the server hands out.
const From = "Herald Test <security@herald.test>"

// Server is an SMTP server on 127.0.0.1 that lives until its test ends.
type Server struct {
	addr      *net.TCPAddr
	user      string // if set, MAIL requires AUTH PLAIN with user/pass
	pass      string
	clientTLS *tls.Config // trusts the server's certificate; nil without STARTTLS
	done      chan struct{}
	arrived   chan struct{} // signalled when an RCPT arrives
	conns     atomic.Int32
	rec       notifiertest.Recorder[Message] // what it stored; its delay

	mu      sync.Mutex
	refuse  Refusal
	rejects map[string]bool // recipients refused with 550 5.1.1 at RCPT
	hold    chan struct{}   // if set, RCPT waits for it to close
}

// Option configures a Server when it starts.
type Option func(*Server, *smtp.Server)

// WithStartTLS offers STARTTLS with a fresh self-signed certificate for
// 127.0.0.1; ClientTLS and Config return a client config that trusts it.
func WithStartTLS(t testing.TB) Option {
	return func(s *Server, srv *smtp.Server) {
		srv.TLSConfig, s.clientTLS = testCert(t)
	}
}

// WithAuth makes MAIL require AUTH PLAIN with user and pass. go-smtp offers
// AUTH only after STARTTLS, so it goes with WithStartTLS.
func WithAuth(user, pass string) Option {
	return func(s *Server, _ *smtp.Server) { s.user, s.pass = user, pass }
}

// NewServer listens on 127.0.0.1:0 and serves until t ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen for smtp: %v", err)
	}
	s := &Server{
		addr:    l.Addr().(*net.TCPAddr),
		done:    make(chan struct{}),
		arrived: make(chan struct{}, 1),
		rejects: map[string]bool{},
	}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	for _, o := range opts {
		o(s, srv)
	}
	go func() { _ = srv.Serve(&countingListener{Listener: l, n: &s.conns}) }()
	t.Cleanup(func() {
		close(s.done) // frees sessions held or delayed
		_ = srv.Close()
	})
	return s
}

// Addr is where the server listens.
func (s *Server) Addr() (host string, port int) {
	return s.addr.IP.String(), s.addr.Port
}

// ClientTLS trusts the server's certificate; nil without WithStartTLS.
func (s *Server) ClientTLS() *tls.Config { return s.clientTLS }

// Config is a ready email.Config for this server: plain SMTP and From,
// or with WithStartTLS mandatory STARTTLS trusting the server's
// certificate, and with WithAuth its credentials.
func (s *Server) Config() email.Config {
	host, port := s.Addr()
	c := email.Config{Host: host, Port: port, From: From, TLS: email.TLSNone, Timeout: 5 * time.Second}
	if s.clientTLS != nil {
		c.TLS, c.TLSConfig = email.TLSStartTLS, s.clientTLS.Clone()
	}
	c.Username, c.Password = s.user, s.pass
	return c
}

// faults is how each conformance fault looks on the wire.
var faults = map[notifiertest.Fault]Refusal{
	notifiertest.Accept:      {},
	notifiertest.Transient:   {At: AtRcpt, Code: 451, Enhanced: [3]int{4, 3, 0}},
	notifiertest.RateLimited: {At: AtData, Code: 421, Enhanced: [3]int{4, 7, 0}},
	notifiertest.Reject:      unknownUser,
}

// unknownUser is a mailbox the server does not know.
var unknownUser = Refusal{At: AtRcpt, Code: 550, Enhanced: [3]int{5, 1, 1}}

// SetFault makes every later message meet f: Transient is 451 4.3.0 at
// RCPT, RateLimited 421 4.7.0 after DATA, Reject 550 5.1.1 at RCPT.
func (s *Server) SetFault(f notifiertest.Fault) { s.SetRefusal(faults[f]) }

// SetRefusal makes every later message meet r; the zero Refusal accepts.
func (s *Server) SetRefusal(r Refusal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = r
}

// SetRejectRecipients refuses these addresses with 550 5.1.1 at RCPT and
// leaves the others to the fault or refusal in force.
func (s *Server) SetRejectRecipients(addrs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range addrs {
		s.rejects[a] = true
	}
}

// SetDelay makes the server wait d after MAIL FROM before answering, so a
// run can be watched mid-way. A client that gives up meanwhile has nothing
// stored.
func (s *Server) SetDelay(d time.Duration) { s.rec.SetDelay(d) }

// HoldRcpt makes every later RCPT wait until release is called (or the
// test ends). arrived gets a signal when an RCPT is waiting.
func (s *Server) HoldRcpt() (arrived <-chan struct{}, release func()) {
	hold := make(chan struct{})
	s.mu.Lock()
	s.hold = hold
	s.mu.Unlock()
	var once sync.Once
	return s.arrived, func() { once.Do(func() { close(hold) }) }
}

// Messages returns a copy of what the server accepted, in order.
func (s *Server) Messages() []Message { return s.rec.Messages() }

// Accepted is how many messages the server stored.
func (s *Server) Accepted() int { return s.rec.Accepted() }

// Connections is how many connections the server has accepted.
func (s *Server) Connections() int { return int(s.conns.Load()) }

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
