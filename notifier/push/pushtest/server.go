// Package pushtest runs a local fake of FCM HTTP v1 for tests of the push
// channel and of anything that sends through it. It speaks just enough of
// the API: POST /v1/projects/{p}/messages:send with {"message":{...}},
// answered {"name":...} or an error in FCM's format. Answers can be chosen
// per token, so a test can retire one device and not another. It is safe
// for concurrent use.
package pushtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/notifier/notifiertest"
	"github.com/herald-notify/herald/notifier/push"
)

// ProjectID is the Firebase project the server serves.
const ProjectID = "herald-test"

// Message is one message the server accepted.
type Message struct {
	Token       string
	Title, Body string // the notification
	Data        map[string]string
	WebpushLink string // webpush.fcm_options.link
	Name        string // the name the server answered with
}

// wireMessage is the part of an FCM v1 message the server reads.
type wireMessage struct {
	Token        string `json:"token"`
	Notification struct {
		Title string `json:"title"`
		Body  string `json:"body"`
	} `json:"notification"`
	Data    map[string]string `json:"data"`
	Webpush struct {
		FCMOptions struct {
			Link string `json:"link"`
		} `json:"fcm_options"`
	} `json:"webpush"`
}

// Server is a fake FCM on 127.0.0.1 that lives until its test ends.
type Server struct {
	t    testing.TB
	srv  *httptest.Server
	done chan struct{}
	rec  notifiertest.Recorder[Message] // what it accepted; its delay

	mu      sync.Mutex
	reply   *Reply            // for tokens without their own; nil accepts
	byToken map[string]*Reply // per-token answers, ahead of reply
	tokens  []string          // every token asked for, in order
}

// NewServer starts a server that accepts every well-formed message.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, done: make(chan struct{}), byToken: map[string]*Reply{}}
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	t.Cleanup(func() { close(s.done) }) // runs first: frees held requests
	return s
}

// URL is the server's base URL, for push.Config.Endpoint.
func (s *Server) URL() string { return s.srv.URL }

// Config is a ready push.Config for this server.
func (s *Server) Config() push.Config {
	return push.Config{ProjectID: ProjectID, Endpoint: s.srv.URL}
}

// faults is how each conformance fault looks on the wire. Transient is a
// 500, not a 503: the SDK retries 503 itself with second-long backoff.
var faults = map[notifiertest.Fault]*Reply{
	notifiertest.Transient: ErrorReply(500, "INTERNAL", "INTERNAL", "Internal error encountered.", nil),
	notifiertest.RateLimited: ErrorReply(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded.",
		map[string]string{"Retry-After": "1"}),
	notifiertest.Reject: Unregistered(),
}

// SetFault makes every later message to a token without its own answer
// meet f: Transient is 500 INTERNAL, RateLimited 429 QUOTA_EXCEEDED with
// Retry-After 1, Reject 404 UNREGISTERED.
func (s *Server) SetFault(f notifiertest.Fault) { s.SetReply(faults[f]) }

// SetReply answers every later message to a token without its own answer
// with r; nil accepts.
func (s *Server) SetReply(r *Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply = r
}

// SetTokenReply answers every later message to token with r, whatever the
// fault in force; nil accepts.
func (s *Server) SetTokenReply(token string, r *Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byToken[token] = r
}

// SetUnregistered answers messages to these tokens with FCM's UNREGISTERED
// error and leaves the others to the fault in force.
func (s *Server) SetUnregistered(tokens ...string) {
	for _, tok := range tokens {
		s.SetTokenReply(tok, Unregistered())
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

// Tokens lists every token a well-formed message was sent to, accepted or
// not, in order.
func (s *Server) Tokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.tokens...)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m, ok := s.read(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	s.tokens = append(s.tokens, m.Token)
	rep, own := s.byToken[m.Token]
	if !own {
		rep = s.reply
	}
	s.mu.Unlock()
	if !s.rec.Wait(r.Context(), s.done) {
		return
	}
	if rep != nil {
		rep.Write(w, r, s.done)
		return
	}
	m = s.rec.RecordNumbered(m, func(m *Message, n int) {
		m.Name = fmt.Sprintf("projects/%s/messages/%d", ProjectID, 1000+n)
	})
	writeJSON(w, http.StatusOK, map[string]string{"name": m.Name})
}

// read checks the route and decodes the message.
func (s *Server) read(w http.ResponseWriter, r *http.Request) (Message, bool) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/projects/"+ProjectID+"/messages:send" {
		s.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		writeJSON(w, http.StatusNotFound, fcmBody(404, "NOT_FOUND", "", "Not found"))
		return Message{}, false
	}
	var req struct {
		Message *wireMessage `json:"message"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Message == nil || req.Message.Token == "" {
		s.t.Errorf("bad send body (decode error %v)", err)
		writeJSON(w, http.StatusBadRequest, fcmBody(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "bad body"))
		return Message{}, false
	}
	wm := req.Message
	return Message{Token: wm.Token, Title: wm.Notification.Title, Body: wm.Notification.Body,
		Data: wm.Data, WebpushLink: wm.Webpush.FCMOptions.Link}, true
}

// Reply is a canned answer from the server.
type Reply = notifiertest.HTTPReply

// ErrorReply is an error in FCM v1's format: HTTP status, gRPC status
// name, FCM error code and message. fcmCode "" leaves out the FcmError
// detail, as Google's front end does for errors that are not FCM's.
func ErrorReply(status int, grpcStatus, fcmCode, msg string, header map[string]string) *Reply {
	b, _ := json.Marshal(fcmBody(status, grpcStatus, fcmCode, msg))
	h := map[string]string{"Content-Type": "application/json; charset=UTF-8"}
	maps.Copy(h, header)
	return &Reply{Status: status, Header: h, Body: string(b)}
}

// Unregistered is FCM's answer for a token that is no longer valid.
func Unregistered() *Reply {
	return ErrorReply(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.", nil)
}

func fcmBody(status int, grpcStatus, fcmCode, msg string) map[string]any {
	e := map[string]any{"code": status, "message": msg, "status": grpcStatus}
	if fcmCode != "" {
		e["details"] = []map[string]string{{
			"@type":     "type.googleapis.com/google.firebase.fcm.v1.FcmError",
			"errorCode": fcmCode,
		}}
	}
	return map[string]any{"error": e}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
