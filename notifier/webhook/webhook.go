package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/herald-notify/herald/notifier"
)

// Provider names this channel in a report delivery's record.
const Provider = "webhook"

const (
	// DefaultTimeout bounds one request when Client.Timeout is zero.
	DefaultTimeout = 30 * time.Second
	// MaxAnswerBytes bounds how much of an answer's body is read; a longer
	// 2xx answer is still a success, only without a reference.
	MaxAnswerBytes = 64 << 10
	// MaxRetryAfter caps a receiver's Retry-After: a report has a legal
	// deadline, and one answer must not park it for a day.
	MaxRetryAfter = time.Hour
	// DefaultUserAgent is sent when Client.UserAgent is empty.
	DefaultUserAgent = "Herald-Webhook/1"
)

// Target is one authority's webhook. Secret signs each request; neither it
// nor the URL (whose query may carry a token) ever appears in an error.
type Target struct {
	URL    string
	Secret []byte
}

// Client posts reports to webhooks. The zero value is ready to use; it is
// safe for concurrent use.
type Client struct {
	// HTTP sends the requests; nil uses a shared client. Its redirect
	// policy is ignored: redirects are never followed.
	HTTP *http.Client
	// Timeout bounds one request, answer included; 0 = DefaultTimeout.
	Timeout   time.Duration
	Now       func() time.Time // signs the timestamp; nil = time.Now
	UserAgent string           // "" = DefaultUserAgent
}

// Receipt is the receiver's answer. Status is its HTTP status (also set,
// when an answer came, alongside an error). Reference and Acknowledgement
// are the receiver's text, cleaned of control characters and bounded.
type Receipt struct {
	Status          int
	Reference       string
	Acknowledged    bool
	Acknowledgement string
}

// sharedHTTP is used when Client.HTTP is nil, so connections are reused
// across posts.
var sharedHTTP = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}

// Post sends one report (body, JSON) to t, signed, with the Herald-Delivery
// deliveryID; use the same deliveryID for every retry of one report version
// to one authority (see DeliveryID). The error is nil exactly when the
// receiver answered 2xx; otherwise it is classified with notifier.Retryable
// or notifier.Permanent. A timeout does not prove the report was not
// received: a retry with the same deliveryID lets the receiver drop it.
func (c *Client) Post(ctx context.Context, t Target, deliveryID string, body []byte) (Receipt, error) {
	if err := checkPost(t, deliveryID, body); err != nil {
		return Receipt{}, err
	}
	if err := ctx.Err(); err != nil {
		return Receipt{}, interrupted(err)
	}
	callCtx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	now := c.now()
	req, err := http.NewRequestWithContext(callCtx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		return Receipt{}, notifier.Permanent("webhook url is not a valid URL") // its error quotes the URL
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent())
	req.Header.Set(HeaderDelivery, deliveryID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(t.Secret, now, deliveryID, body))

	resp, err := c.httpClient().Do(req)
	if err != nil {
		return Receipt{}, unreachable(ctx, err)
	}
	defer resp.Body.Close()
	// An answer cut short by the timeout is still an answer: the status
	// line decides, and a 2xx must not be sent again.
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerBytes+1))
	if resp.StatusCode/100 == 2 {
		return accepted(resp.StatusCode, answer), nil
	}
	return Receipt{Status: resp.StatusCode}, refused(resp, c.now())
}

// checkPost refuses, without a request, what can never succeed. These are
// configuration or caller faults: permanent, so the team is told.
func checkPost(t Target, deliveryID string, body []byte) error {
	if err := CheckURL(t.URL); err != nil {
		return notifier.Permanent("webhook url " + err.Error())
	}
	switch {
	case len(t.Secret) < MinSecretBytes:
		return notifier.Permanent("webhook secret missing or too short")
	case checkDeliveryID(deliveryID) != nil:
		return notifier.Permanent("webhook delivery id invalid")
	case !json.Valid(body):
		return notifier.Permanent("webhook body is not json")
	}
	return nil
}

// httpClient is c.HTTP (or the shared client) with redirects refused: the
// 3xx itself comes back, and is classified as permanent.
func (c *Client) httpClient() *http.Client {
	hc := *sharedHTTP
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) userAgent() string {
	if c.UserAgent != "" {
		return c.UserAgent
	}
	return DefaultUserAgent
}
