// Package smstest runs a local fake of Twilio's Messages API for tests of
// the SMS channel and of anything that sends through it. It speaks just
// enough of the API: POST /2010-04-01/Accounts/{sid}/Messages.json with
// basic auth and a form body, answered with a message resource (201) or a
// Twilio error resource. It is safe for concurrent use.
package smstest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/notifier/notifiertest"
	"github.com/herald-notify/herald/notifier/sms"
)

// The credentials the server accepts (alphanumeric, as twilio-go requires)
// and the sender in the Config it hands out.
const (
	AccountSID = "AC0123456789abcdef0123456789abcdef"
	AuthToken  = "0123456789abcdef0123456789abcdef"
	From       = "+15005550006"
)

// Credentials are an account's SID and auth token.
type Credentials struct {
	AccountSID, AuthToken string
}

// Message is one message the server accepted.
type Message struct {
	To, From, Body      string
	MessagingServiceSID string
	StatusCallback      string     // where Twilio would post the message's status; "" = none asked
	SID                 string     // the SID the server answered with
	Form                url.Values // every field as sent
}

// Server is a fake Twilio on 127.0.0.1 that lives until its test ends.
type Server struct {
	t    testing.TB
	srv  *httptest.Server
	done chan struct{}
	rec  notifiertest.Recorder[Message] // what it accepted; its delay

	mu        sync.Mutex
	reply     *Reply          // nil accepts
	rejectAll bool            // answer every number as invalid
	rejects   map[string]bool // numbers answered as invalid
	requests  int
}

// NewServer starts a server that accepts every well-formed message.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, done: make(chan struct{}), rejects: map[string]bool{}}
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	t.Cleanup(func() { close(s.done) }) // runs first: frees held requests
	return s
}

// URL is the server's base URL, for sms.Config.BaseURL.
func (s *Server) URL() string { return s.srv.URL }

// Credentials are the ones the server accepts.
func (s *Server) Credentials() Credentials {
	return Credentials{AccountSID: AccountSID, AuthToken: AuthToken}
}

// Config is a ready sms.Config for this server.
func (s *Server) Config() sms.Config {
	return sms.Config{AccountSID: AccountSID, AuthToken: AuthToken, From: From,
		BaseURL: s.srv.URL, Timeout: 5 * time.Second}
}

// faults is how each conformance fault but Reject looks on the wire.
var faults = map[notifiertest.Fault]*Reply{
	notifiertest.Transient:   {Status: 500, Body: "<html>Internal Server Error</html>"},
	notifiertest.RateLimited: ErrorReply(429, 20429, "Too Many Requests", map[string]string{"Retry-After": "1"}),
}

// SetFault makes every later message meet f: Transient is an HTML 500,
// RateLimited 429 code 20429 with Retry-After 1, Reject 400 code 21211.
func (s *Server) SetFault(f notifiertest.Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply, s.rejectAll = faults[f], f == notifiertest.Reject
}

// SetReply answers every later message with r; nil accepts.
func (s *Server) SetReply(r *Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply, s.rejectAll = r, false
}

// SetRejectNumbers answers messages to these numbers with 400 code 21211
// (invalid To number) and leaves the others to the fault in force.
func (s *Server) SetRejectNumbers(numbers ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range numbers {
		s.rejects[n] = true
	}
}

// SetDelay makes the server wait d before answering each well-formed
// message, so a run can be watched mid-way. A client that gives up
// meanwhile has nothing stored.
func (s *Server) SetDelay(d time.Duration) { s.rec.SetDelay(d) }

// Messages returns a copy of what the server accepted, in order.
func (s *Server) Messages() []Message { return s.rec.Messages() }

// Accepted is how many messages the server accepted.
func (s *Server) Accepted() int { return s.rec.Accepted() }

// Requests is how many requests reached the server, answered or not.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	if !s.wellFormed(w, r) || !s.rec.Wait(r.Context(), s.done) {
		return
	}
	to := r.PostForm.Get("To")
	if rep := s.replyFor(to); rep != nil {
		rep.Write(w, r, s.done)
		return
	}
	m := s.rec.RecordNumbered(Message{To: to, From: r.PostForm.Get("From"), Body: r.PostForm.Get("Body"),
		MessagingServiceSID: r.PostForm.Get("MessagingServiceSid"), StatusCallback: r.PostForm.Get("StatusCallback"),
		Form: r.PostForm},
		func(m *Message, n int) { m.SID = fmt.Sprintf("SM%032d", n) })
	writeJSON(w, http.StatusCreated, map[string]any{
		"sid": m.SID, "account_sid": AccountSID, "status": "queued",
		"to": m.To, "from": m.From, "body": m.Body,
	})
}

func (s *Server) replyFor(to string) *Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rejectAll || s.rejects[to] {
		return InvalidNumber(to)
	}
	return s.reply
}

// wellFormed checks what real Twilio checks first: route, auth, form.
func (s *Server) wellFormed(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/"+AccountSID+"/Messages.json" {
		s.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		writeJSON(w, http.StatusNotFound, twilioError(20404, "The requested resource was not found", 404))
		return false
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != AccountSID || pass != AuthToken {
		writeJSON(w, http.StatusUnauthorized, twilioError(20003, "Authenticate", 401))
		return false
	}
	if err := r.ParseForm(); err != nil {
		s.t.Errorf("parse form: %v", err)
		return false
	}
	form := r.PostForm
	if form.Get("To") == "" || form.Get("Body") == "" ||
		(form.Get("From") == "" && form.Get("MessagingServiceSid") == "") {
		s.t.Errorf("form lacks To, Body or a sender: fields %v", slices.Sorted(maps.Keys(form)))
		writeJSON(w, http.StatusBadRequest, twilioError(21604, "A 'To' phone number is required.", 400))
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Reply is a canned answer from the server.
type Reply = notifiertest.HTTPReply

// ErrorReply is a Twilio error resource with the given HTTP status, Twilio
// error code, message and extra headers.
func ErrorReply(status, code int, msg string, header map[string]string) *Reply {
	b, _ := json.Marshal(twilioError(code, msg, status))
	h := map[string]string{"Content-Type": "application/json"}
	maps.Copy(h, header)
	return &Reply{Status: status, Header: h, Body: string(b)}
}

// InvalidNumber is the 400 Twilio really sends for a bad To number: code
// 21211, with the number quoted in the message.
func InvalidNumber(to string) *Reply {
	return ErrorReply(400, 21211, "The 'To' number "+to+" is not a valid phone number.", nil)
}

func twilioError(code int, msg string, status int) map[string]any {
	return map[string]any{"code": code, "message": msg, "status": status,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code)}
}
