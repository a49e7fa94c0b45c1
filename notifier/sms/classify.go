package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/herald-notify/herald/notifier"
)

// callTransport carries one Notify call's context to the wire, sends the
// request to the configured base URL, and remembers what twilio-go does not
// expose: the HTTP status and Retry-After. One per call, so no locking.
type callTransport struct {
	ctx    context.Context
	base   http.RoundTripper
	target *url.URL // nil = leave the URL as twilio-go built it

	status     int // 0 = no response arrived
	retryAfter time.Duration
}

func (t *callTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.ctx.Err(); err != nil {
		return nil, err // cancelled before the first byte: send nothing
	}
	out := req.Clone(t.ctx)
	if t.target != nil {
		out.URL.Scheme = t.target.Scheme
		out.URL.Host = t.target.Host
		out.URL.Path = t.target.Path + out.URL.Path
		out.Host = ""
	}
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	t.status = resp.StatusCode
	t.retryAfter = notifier.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	return resp, nil
}

// Reasons for the Twilio error codes a person's number can cause. Their
// messages quote the number, so only the code and this text are kept.
var numberErrors = map[int]string{
	21211: "invalid number",
	21408: "region not permitted",
	21610: "unsubscribed",
	21614: "not mobile",
}

// Twilio codes for credentials it (or twilio-go, before sending) refused.
const (
	codeAuthFailed      = 20003
	codeTooManyRequests = 20429
	codeBadUsername     = 21222
	codeBadPassword     = 21224
)

// classify turns a failed CreateMessage into a notifier error. Error text
// keeps only codes and fixed words: Twilio's messages quote the number.
func classify(ctx context.Context, call *callTransport, err error) error {
	if ctx.Err() != nil {
		return interrupted(ctx.Err())
	}
	var rest *client.TwilioRestError
	if errors.As(err, &rest) {
		return fmt.Errorf("send sms: %w", restError(rest, call))
	}
	return fmt.Errorf("send sms: %w", httpError(call))
}

// interrupted reports a cancelled or expired context: retryable, since the
// message may still be wanted by a caller with more time.
func interrupted(cause error) error {
	reason := "twilio request cancelled"
	if errors.Is(cause, context.DeadlineExceeded) {
		reason = "twilio request timed out"
	}
	return fmt.Errorf("send sms: %w: %w", notifier.Retryable(reason, 0), cause)
}

// restError classifies a Twilio error resource. Bad credentials are the
// operator's problem, not the person's: retry (and alert) rather than fall
// back as if the number were wrong.
func restError(rest *client.TwilioRestError, call *callTransport) error {
	status := call.status
	if status == 0 {
		status = rest.Status
	}
	label := fmt.Sprintf("twilio http %d", status)
	if rest.Code != 0 {
		label = fmt.Sprintf("twilio %d", rest.Code)
	}
	switch rest.Code {
	case codeAuthFailed, codeBadUsername, codeBadPassword:
		return notifier.Retryable("twilio auth failed", 0)
	case codeTooManyRequests:
		return notifier.Retryable(label+" rate limited", call.retryAfter)
	}
	switch {
	case status == http.StatusUnauthorized:
		return notifier.Retryable("twilio auth failed", 0)
	case status == http.StatusTooManyRequests:
		return notifier.Retryable(label+" rate limited", call.retryAfter)
	case status >= 500:
		return notifier.Retryable(label+" server error", call.retryAfter)
	}
	if reason, ok := numberErrors[rest.Code]; ok {
		return notifier.Permanent(label + " " + reason)
	}
	if rest.Code != 0 && status >= 400 {
		return notifier.Permanent(label)
	}
	// A 4xx without a Twilio code did not come from the Messages API (a
	// proxy, a wrong base URL): nothing says the number is at fault.
	return notifier.Retryable(label, call.retryAfter)
}

// httpError classifies a failure without a Twilio error resource: a network
// error, or a body twilio-go could not decode (a proxy's HTML 502).
func httpError(call *callTransport) error {
	switch {
	case call.status == 0:
		return notifier.Retryable("twilio unreachable", 0)
	case call.status == http.StatusTooManyRequests:
		return notifier.Retryable("twilio http 429 rate limited", call.retryAfter)
	}
	return notifier.Retryable(fmt.Sprintf("twilio http %d", call.status), call.retryAfter)
}
