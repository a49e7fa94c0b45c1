package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/webhook"
)

// received is one request as the receiver saw it, with Verify's verdict.
type received struct {
	header http.Header
	method string
	body   []byte
	verify error
}

// receiver is an authority's webhook: it verifies each request with the
// package's Verify, records it, then answers with answer.
type receiver struct {
	*httptest.Server
	mu  sync.Mutex
	got []received
}

func newReceiver(t *testing.T, answer http.HandlerFunc) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{req.Header.Clone(), req.Method, body,
			webhook.Verify(testSecret, req.Header, body, time.Now(), 0)})
		r.mu.Unlock()
		answer(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (r *receiver) target() webhook.Target {
	return webhook.Target{URL: r.URL + "/herald/reports?token=QUERYSECRET", Secret: testSecret}
}

func answerJSON(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// reason returns err's classified reason and whether it is permanent.
func reason(t *testing.T, err error) (string, bool) {
	t.Helper()
	var e *notifier.Error
	if !errors.As(err, &e) {
		t.Fatalf("error not classified: %v", err)
	}
	return e.Reason, e.Permanent
}

func TestPostSendsSignedReport(t *testing.T) {
	r := newReceiver(t, answerJSON(http.StatusAccepted, `{}`))
	now := time.Now().Truncate(time.Second)
	c := &webhook.Client{Now: func() time.Time { return now }, UserAgent: "Herald/test"}

	if _, err := c.Post(context.Background(), r.target(), testDelivery, testBody); err != nil {
		t.Fatalf("Post: %v", err)
	}
	got := r.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	req := got[0]
	if req.verify != nil {
		t.Errorf("receiver's Verify: %v", req.verify)
	}
	if req.method != http.MethodPost || string(req.body) != string(testBody) {
		t.Errorf("got %s %q, want POST of the report unchanged", req.method, req.body)
	}
	want := map[string]string{
		"Content-Type":          "application/json",
		"User-Agent":            "Herald/test",
		webhook.HeaderDelivery:  testDelivery,
		webhook.HeaderTimestamp: strconv.FormatInt(now.Unix(), 10),
		webhook.HeaderSignature: referenceSignature(testSecret, now.Unix(), testDelivery, testBody),
	}
	for k, v := range want {
		if got := req.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	// The receiving side refuses what was not sent this way.
	if err := webhook.Verify([]byte("another-secret-0123456789"), req.header, req.body, now, 0); !errors.Is(err, webhook.ErrBadSignature) {
		t.Errorf("wrong secret: %v", err)
	}
	if err := webhook.Verify(testSecret, req.header, append(req.body, ' '), now, 0); !errors.Is(err, webhook.ErrBadSignature) {
		t.Errorf("altered body: %v", err)
	}
	if err := webhook.Verify(testSecret, req.header, req.body, now.Add(time.Hour), 0); !errors.Is(err, webhook.ErrStale) {
		t.Errorf("replayed an hour later: %v", err)
	}
}

func TestPostDefaultUserAgent(t *testing.T) {
	r := newReceiver(t, answerJSON(http.StatusOK, ``))
	if _, err := (&webhook.Client{}).Post(context.Background(), r.target(), testDelivery, testBody); err != nil {
		t.Fatalf("Post: %v", err)
	}
	if ua := r.requests()[0].header.Get("User-Agent"); ua != webhook.DefaultUserAgent {
		t.Errorf("User-Agent = %q, want %q", ua, webhook.DefaultUserAgent)
	}
}

// A retry of the same report version carries the same Herald-Delivery, so
// the receiver can drop a copy, and a fresh timestamp and signature.
func TestPostRetryKeepsDeliveryID(t *testing.T) {
	var calls atomic.Int32
	r := newReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	clock := time.Now().Add(-30 * time.Second)
	c := &webhook.Client{Now: func() time.Time { return clock }}
	if _, err := c.Post(context.Background(), r.target(), testDelivery, testBody); notifier.IsPermanent(err) || err == nil {
		t.Fatalf("first Post: %v, want retryable", err)
	}
	clock = clock.Add(20 * time.Second)
	if _, err := c.Post(context.Background(), r.target(), testDelivery, testBody); err != nil {
		t.Fatalf("second Post: %v", err)
	}
	got := r.requests()
	if len(got) != 2 {
		t.Fatalf("receiver got %d requests, want 2", len(got))
	}
	if a, b := got[0].header.Get(webhook.HeaderDelivery), got[1].header.Get(webhook.HeaderDelivery); a != testDelivery || b != testDelivery {
		t.Errorf("delivery ids %q, %q, want %q twice", a, b, testDelivery)
	}
	if got[0].header.Get(webhook.HeaderTimestamp) == got[1].header.Get(webhook.HeaderTimestamp) {
		t.Error("retry reused the old timestamp")
	}
	for i, req := range got {
		if req.verify != nil {
			t.Errorf("request %d: Verify: %v", i, req.verify)
		}
	}
}

func TestPostAccepted(t *testing.T) {
	// Exactly MaxAnswerBytes of JSON is read whole; one byte more is not.
	padded := func(n int) string {
		head := `{"reference":"REF-BIG","pad":"`
		return head + strings.Repeat("x", n-len(head)-2) + `"}`
	}
	cases := map[string]struct {
		status int
		body   string
		want   webhook.Receipt
	}{
		"json ack": {http.StatusOK, `{"reference":"BFDI-2026-0042","acknowledged":true,"acknowledgement":"Eingang bestätigt"}`,
			webhook.Receipt{Reference: "BFDI-2026-0042", Acknowledged: true, Acknowledgement: "Eingang bestätigt"}},
		"reference only":        {http.StatusCreated, `{"reference":"R-1"}`, webhook.Receipt{Reference: "R-1"}},
		"numeric reference":     {http.StatusOK, `{"reference":120034}`, webhook.Receipt{Reference: "120034"}},
		"acknowledged not bool": {http.StatusOK, `{"reference":"R-2","acknowledged":"yes"}`, webhook.Receipt{Reference: "R-2"}},
		"empty body":            {http.StatusAccepted, ``, webhook.Receipt{}},
		"no content":            {http.StatusNoContent, ``, webhook.Receipt{}},
		"not json":              {http.StatusOK, `OK, thanks`, webhook.Receipt{}},
		"json array":            {http.StatusOK, `["R-3"]`, webhook.Receipt{}},
		"control characters":    {http.StatusOK, "{\"reference\":\"R-4\\n\\u001b[31mX\",\"acknowledgement\":\"\\tok\\r\\n\"}", webhook.Receipt{Reference: "R-4  [31mX", Acknowledgement: "ok"}},
		"long reference":        {http.StatusOK, `{"reference":"` + strings.Repeat("é", 150) + `"}`, webhook.Receipt{Reference: strings.Repeat("é", 100)}},
		"answer at the limit":   {http.StatusOK, padded(webhook.MaxAnswerBytes), webhook.Receipt{Reference: "REF-BIG"}},
		"answer over the limit": {http.StatusOK, padded(webhook.MaxAnswerBytes + 1), webhook.Receipt{}},
		"huge answer":           {http.StatusOK, padded(8 << 20), webhook.Receipt{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := newReceiver(t, answerJSON(tc.status, tc.body))
			got, err := (&webhook.Client{}).Post(context.Background(), r.target(), testDelivery, testBody)
			if err != nil {
				t.Fatalf("Post: %v", err)
			}
			tc.want.Status = tc.status
			if got != tc.want {
				t.Errorf("receipt = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestPostRefusedAnswers(t *testing.T) {
	httpDate := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		status     int
		retryAfter string
		permanent  bool
		wait       time.Duration // 0 = none expected
	}{
		{http.StatusInternalServerError, "", false, 0},
		{http.StatusBadGateway, "", false, 0},
		{http.StatusServiceUnavailable, "120", false, 2 * time.Minute},
		{http.StatusServiceUnavailable, "", false, 0},
		{http.StatusTooManyRequests, "7", false, 7 * time.Second},
		{http.StatusTooManyRequests, httpDate, false, 90 * time.Second},
		{http.StatusTooManyRequests, "86400", false, webhook.MaxRetryAfter},
		{http.StatusRequestTimeout, "", false, 0},
		{http.StatusTooEarly, "", false, 0},
		{http.StatusBadRequest, "", true, 0},
		{http.StatusUnauthorized, "", true, 0},
		{http.StatusForbidden, "", true, 0},
		{http.StatusNotFound, "", true, 0},
		{http.StatusGone, "", true, 0},
		{http.StatusUnprocessableEntity, "60", true, 0},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d %s", tc.status, tc.retryAfter), func(t *testing.T) {
			r := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, `{"error":"echo of BODYMARKER"}`)
			})
			got, err := (&webhook.Client{}).Post(context.Background(), r.target(), testDelivery, testBody)
			if err == nil {
				t.Fatal("Post succeeded")
			}
			why, permanent := reason(t, err)
			if permanent != tc.permanent {
				t.Errorf("permanent = %v, want %v (%v)", permanent, tc.permanent, err)
			}
			if want := fmt.Sprintf("webhook http %d", tc.status); why != want {
				t.Errorf("reason = %q, want %q", why, want)
			}
			if wait := notifier.RetryAfter(err); wait < tc.wait-2*time.Second || wait > tc.wait {
				t.Errorf("RetryAfter = %v, want %v", wait, tc.wait)
			}
			if got.Status != tc.status {
				t.Errorf("receipt status = %d, want %d", got.Status, tc.status)
			}
		})
	}
}

// A redirect is never followed, even by a caller's client that would: the
// report goes only where the authority configured.
func TestPostRefusesRedirect(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		elsewhere.Add(1)
	}))
	t.Cleanup(other.Close)
	clients := map[string]*webhook.Client{
		"shared client":   {},
		"caller's client": {HTTP: &http.Client{}}, // default policy follows redirects
	}
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for name, c := range clients {
			t.Run(fmt.Sprintf("%d %s", code, name), func(t *testing.T) {
				r := newReceiver(t, func(w http.ResponseWriter, req *http.Request) {
					http.Redirect(w, req, other.URL+"/stolen?token=QUERYSECRET", code)
				})
				_, err := c.Post(context.Background(), r.target(), testDelivery, testBody)
				why, permanent := reason(t, err)
				if !permanent || why != fmt.Sprintf("webhook http %d redirect refused", code) {
					t.Errorf("err = %v, want permanent redirect refused", err)
				}
				if strings.Contains(err.Error(), "stolen") || strings.Contains(err.Error(), "QUERYSECRET") {
					t.Errorf("error quotes the Location: %v", err)
				}
			})
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("redirect target got %d requests", n)
	}
}

// stalling answers nothing until the client gives up.
func stalling(t *testing.T) *receiver {
	release := make(chan struct{})
	r := newReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-req.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the server's Close
	return r
}

func TestPostTimeout(t *testing.T) {
	r := stalling(t)
	clients := map[string]*webhook.Client{
		"Client.Timeout":      {Timeout: 100 * time.Millisecond},
		"http.Client.Timeout": {HTTP: &http.Client{Timeout: 100 * time.Millisecond}},
	}
	for name, c := range clients {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := c.Post(context.Background(), r.target(), testDelivery, testBody)
			why, permanent := reason(t, err)
			if permanent || why != "webhook timeout" {
				t.Errorf("err = %v, want retryable webhook timeout", err)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("Post took %v", took)
			}
		})
	}
}

func TestPostRespectsContext(t *testing.T) {
	r := stalling(t)
	c := &webhook.Client{}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Post(ctx, r.target(), testDelivery, testBody)
	if why, permanent := reason(t, err); permanent || why != "webhook timeout" || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("caller's deadline: %v", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = c.Post(ctx, r.target(), testDelivery, testBody)
	if why, permanent := reason(t, err); permanent || why != "webhook request cancelled" || !errors.Is(err, context.Canceled) {
		t.Errorf("caller's cancel: %v", err)
	}

	before := len(r.requests())
	_, err = c.Post(ctx, r.target(), testDelivery, testBody) // already cancelled
	if !errors.Is(err, context.Canceled) || notifier.IsPermanent(err) {
		t.Errorf("cancelled before the call: %v", err)
	}
	if n := len(r.requests()) - before; n != 0 {
		t.Errorf("a cancelled call sent %d requests", n)
	}
}

func TestPostNetworkFailures(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err := (&webhook.Client{}).Post(context.Background(), webhook.Target{URL: closed.URL, Secret: testSecret}, testDelivery, testBody)
	if why, permanent := reason(t, err); permanent || why != "webhook connection refused" {
		t.Errorf("closed port: %v, want retryable connection refused", err)
	}

	// https: a certificate the client does not trust is refused (and
	// retryable: the authority can fix it); the same server trusted works.
	var hits atomic.Int32
	tlsServer := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if webhook.Verify(testSecret, req.Header, body, time.Now(), 0) == nil {
			hits.Add(1)
			io.WriteString(w, `{"reference":"TLS-1"}`)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(tlsServer.Close)
	target := webhook.Target{URL: tlsServer.URL + "/h?token=QUERYSECRET", Secret: testSecret}
	_, err = (&webhook.Client{}).Post(context.Background(), target, testDelivery, testBody)
	if why, permanent := reason(t, err); permanent || why != "webhook tls certificate refused" {
		t.Errorf("untrusted certificate: %v", err)
	}
	got, err := (&webhook.Client{HTTP: tlsServer.Client()}).Post(context.Background(), target, testDelivery, testBody)
	if err != nil || got.Reference != "TLS-1" || hits.Load() != 1 {
		t.Errorf("trusted https: %+v, %v, %d verified requests", got, err, hits.Load())
	}
}

// What can never succeed is refused before any request.
func TestPostRefusesWithoutRequest(t *testing.T) {
	r := newReceiver(t, answerJSON(http.StatusOK, `{}`))
	good := r.target()
	cases := map[string]struct {
		target     webhook.Target
		deliveryID string
		body       []byte
		reason     string
	}{
		"http to a remote host": {webhook.Target{URL: "http://authority.example/h?token=QUERYSECRET", Secret: testSecret}, testDelivery, testBody,
			"webhook url must use https (http only to a loopback host)"},
		"not a url":      {webhook.Target{URL: "::", Secret: testSecret}, testDelivery, testBody, "webhook url is not a valid URL"},
		"no secret":      {webhook.Target{URL: good.URL}, testDelivery, testBody, "webhook secret missing or too short"},
		"short secret":   {webhook.Target{URL: good.URL, Secret: []byte("short")}, testDelivery, testBody, "webhook secret missing or too short"},
		"no delivery id": {good, "", testBody, "webhook delivery id invalid"},
		"dot in id":      {good, "INC-1.v3", testBody, "webhook delivery id invalid"},
		"space in id":    {good, "INC 1", testBody, "webhook delivery id invalid"},
		"empty body":     {good, testDelivery, nil, "webhook body is not json"},
		"body not json":  {good, testDelivery, []byte("BODYMARKER"), "webhook body is not json"},
	}
	for name, tc := range cases {
		_, err := (&webhook.Client{}).Post(context.Background(), tc.target, tc.deliveryID, tc.body)
		why, permanent := reason(t, err)
		if !permanent || why != tc.reason {
			t.Errorf("%s: %v, want permanent %q", name, err, tc.reason)
		}
	}
	if n := len(r.requests()); n != 0 {
		t.Errorf("receiver got %d requests", n)
	}
}

// No failure's error carries the URL's query, the secret or the report.
func TestErrorsNeverLeak(t *testing.T) {
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, req *http.Request) {
			body, _ := io.ReadAll(req.Body)
			w.Header().Set("Location", req.URL.String())
			w.WriteHeader(status)
			fmt.Fprintf(w, "%s %s %s", req.URL, req.Header.Get(webhook.HeaderSignature), body)
		}
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	type post struct {
		ctx    context.Context
		client *webhook.Client
		url    string
	}
	cases := map[string]post{
		"500":         {context.Background(), &webhook.Client{}, newReceiver(t, echo(500)).URL},
		"404":         {context.Background(), &webhook.Client{}, newReceiver(t, echo(404)).URL},
		"302":         {context.Background(), &webhook.Client{}, newReceiver(t, echo(302)).URL},
		"timeout":     {context.Background(), &webhook.Client{Timeout: 50 * time.Millisecond}, stalling(t).URL},
		"refused":     {context.Background(), &webhook.Client{}, closed.URL},
		"cancelled":   {cancelled, &webhook.Client{}, closed.URL},
		"remote http": {context.Background(), &webhook.Client{}, "http://authority.example"},
		"bad url":     {context.Background(), &webhook.Client{}, "https://authority.example/%zz"},
	}
	secretHex := fmt.Sprintf("%x", testSecret)
	for name, tc := range cases {
		target := webhook.Target{URL: tc.url + "/h?token=QUERYSECRET", Secret: testSecret}
		_, err := tc.client.Post(tc.ctx, target, testDelivery, testBody)
		if err == nil {
			t.Errorf("%s: Post succeeded", name)
			continue
		}
		msg := fmt.Sprintf("%v %+v %#v", err, err, errors.Unwrap(err))
		for _, leak := range []string{"QUERYSECRET", "token=", string(testSecret), secretHex, "BODYMARKER", "v1="} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: error contains %q: %s", name, leak, msg)
			}
		}
	}
}

func TestPostConcurrent(t *testing.T) {
	r := newReceiver(t, answerJSON(http.StatusOK, `{"reference":"R"}`))
	c := &webhook.Client{}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			_, err := c.Post(context.Background(), r.target(), webhook.DeliveryID("INC-1", i, "de-bfdi"), testBody)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for _, req := range r.requests() {
		if req.verify != nil {
			t.Errorf("Verify: %v", req.verify)
		}
	}
	if n := len(r.requests()); n != 20 {
		t.Errorf("receiver got %d requests, want 20", n)
	}
}
