package sms

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "0123456789abcdef0123456789abcdef"
	testFrom  = "+15005550006"
)

// reply is a canned answer from the fake; a nil reply accepts the message.
type reply struct {
	status int
	header map[string]string
	body   string
	hang   bool // hold the request until the client gives up (bounded)
}

// fakeTwilio speaks just enough of the Messages API: POST
// /2010-04-01/Accounts/{sid}/Messages.json with basic auth and a form body,
// answering 201 with a message resource, or a canned reply.
type fakeTwilio struct {
	t     *testing.T
	reply *reply

	mu       sync.Mutex
	requests int
	accepted []url.Values
}

// startFake runs a fake Twilio on 127.0.0.1 and returns it with its URL.
func startFake(t *testing.T, r *reply) (*fakeTwilio, string) {
	t.Helper()
	f := &fakeTwilio{t: t, reply: r}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeTwilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	f.mu.Unlock()
	if !f.wellFormed(w, r) {
		return
	}
	if f.reply != nil {
		f.answer(w, r, f.reply)
		return
	}
	f.mu.Lock()
	f.accepted = append(f.accepted, r.PostForm)
	sid := fmt.Sprintf("SM%032d", len(f.accepted))
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"sid": sid, "account_sid": testSID, "status": "queued",
		"to": r.PostForm.Get("To"), "from": r.PostForm.Get("From"), "body": r.PostForm.Get("Body"),
	})
}

// wellFormed checks what real Twilio checks first: route, auth, form.
func (f *fakeTwilio) wellFormed(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/"+testSID+"/Messages.json" {
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		writeJSON(w, http.StatusNotFound, twilioError(20404, "The requested resource was not found", 404))
		return false
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != testSID || pass != testToken {
		writeJSON(w, http.StatusUnauthorized, twilioError(20003, "Authenticate", 401))
		return false
	}
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("parse form: %v", err)
		return false
	}
	form := r.PostForm
	if form.Get("To") == "" || form.Get("Body") == "" ||
		(form.Get("From") == "" && form.Get("MessagingServiceSid") == "") {
		f.t.Errorf("form lacks To, Body or a sender: fields %v", keys(form))
		writeJSON(w, http.StatusBadRequest, twilioError(21604, "A 'To' phone number is required.", 400))
		return false
	}
	return true
}

func (f *fakeTwilio) answer(w http.ResponseWriter, r *http.Request, rep *reply) {
	if rep.hang {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.status)
	fmt.Fprint(w, rep.body)
}

func (f *fakeTwilio) acceptedCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.accepted)
}

func (f *fakeTwilio) requestCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

func twilioError(code int, msg string, status int) map[string]any {
	return map[string]any{"code": code, "message": msg, "status": status,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code)}
}

// jsonReply is a canned Twilio error resource.
func jsonReply(status, code int, msg string, header map[string]string) *reply {
	b, _ := json.Marshal(twilioError(code, msg, status))
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range header {
		h[k] = v
	}
	return &reply{status: status, header: h, body: string(b)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func keys(v url.Values) []string {
	out := make([]string, 0, len(v))
	for k := range v {
		out = append(out, k)
	}
	return out
}
