package push

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

const testProject = "herald-test"

// reply is a canned answer from the fake; nil accepts the message.
type reply struct {
	status int
	header map[string]string
	body   string
	hang   bool // hold the request until the client gives up (bounded)
}

// sent is the part of an FCM v1 message the fake checks.
type sent struct {
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

// fakeFCM speaks FCM HTTP v1: POST /v1/projects/{p}/messages:send with
// {"message":{...}}, answering {"name":...} or an error in FCM's format.
// Replies are chosen per token so tests can kill one device and not another.
type fakeFCM struct {
	t        *testing.T
	byToken  map[string]*reply
	fallback *reply

	mu       sync.Mutex
	tokens   []string // every token asked for, in order
	accepted []sent
}

func startFake(t *testing.T, fallback *reply, byToken map[string]*reply) (*fakeFCM, string) {
	t.Helper()
	f := &fakeFCM{t: t, fallback: fallback, byToken: byToken}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeFCM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/projects/"+testProject+"/messages:send" {
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		writeJSON(w, http.StatusNotFound, fcmBody(404, "NOT_FOUND", "", "Not found"))
		return
	}
	var req struct {
		Message *sent `json:"message"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Message == nil || req.Message.Token == "" {
		f.t.Errorf("bad send body (decode error %v)", err)
		writeJSON(w, http.StatusBadRequest, fcmBody(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "bad body"))
		return
	}
	m := *req.Message
	f.mu.Lock()
	f.tokens = append(f.tokens, m.Token)
	f.mu.Unlock()
	rep, ok := f.byToken[m.Token]
	if !ok {
		rep = f.fallback
	}
	if rep != nil {
		answer(w, r, rep)
		return
	}
	f.mu.Lock()
	f.accepted = append(f.accepted, m)
	name := fmt.Sprintf("projects/%s/messages/%d", testProject, 1000+len(f.accepted))
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"name": name})
}

func answer(w http.ResponseWriter, r *http.Request, rep *reply) {
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

func (f *fakeFCM) acceptedCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.accepted)
}

func (f *fakeFCM) asked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tokens...)
}

// fcmError is a canned error in FCM v1's format; fcmCode "" leaves out the
// FcmError detail, as Google's front end does for non-FCM errors.
func fcmError(status int, grpcStatus, fcmCode, msg string, header map[string]string) *reply {
	b, _ := json.Marshal(fcmBody(status, grpcStatus, fcmCode, msg))
	h := map[string]string{"Content-Type": "application/json; charset=UTF-8"}
	for k, v := range header {
		h[k] = v
	}
	return &reply{status: status, header: h, body: string(b)}
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
