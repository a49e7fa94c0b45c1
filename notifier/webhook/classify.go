package webhook

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/herald-notify/herald/notifier"
)

// Bounds of the receiver's text kept in a Receipt.
const (
	maxReference       = 200
	maxAcknowledgement = 2000
)

// accepted reads a 2xx answer. Anything but a JSON object within
// MaxAnswerBytes is a plain acceptance without a reference.
func accepted(status int, answer []byte) Receipt {
	r := Receipt{Status: status}
	var fields map[string]json.RawMessage
	if len(answer) > MaxAnswerBytes || json.Unmarshal(answer, &fields) != nil {
		return r
	}
	r.Reference = clean(text(fields["reference"]), maxReference)
	r.Acknowledgement = clean(text(fields["acknowledgement"]), maxAcknowledgement)
	_ = json.Unmarshal(fields["acknowledged"], &r.Acknowledged) // not a bool: not acknowledged
	return r
}

// text is a JSON string's value, or a number's digits (some systems number
// their references); anything else is "".
func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// clean makes the receiver's text safe to store and show: control
// characters become spaces, and it is cut to at most limit bytes on a
// character boundary.
func clean(s string, limit int) string {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut])
}

// refused classifies a non-2xx answer. Its body is never quoted: it may
// echo the report.
func refused(resp *http.Response, now time.Time) error {
	code := resp.StatusCode
	label := fmt.Sprintf("webhook http %d", code)
	switch {
	case code/100 == 3:
		return notifier.Permanent(label + " redirect refused")
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly,
		code == http.StatusTooManyRequests, code >= 500:
		wait := min(notifier.ParseRetryAfter(resp.Header.Get("Retry-After"), now), MaxRetryAfter)
		return notifier.Retryable(label, wait)
	case code/100 == 4:
		return notifier.Permanent(label)
	}
	// 1xx as a final answer: not the protocol, but nothing says the
	// report is at fault.
	return notifier.Retryable(label+" unexpected", 0)
}

// unreachable classifies a request that got no answer. The transport's
// error quotes the URL, so only a fixed reason is kept; the caller's own
// cancellation is wrapped so errors.Is(err, context.Canceled) holds.
func unreachable(parent context.Context, err error) error {
	if parent.Err() != nil {
		return interrupted(parent.Err())
	}
	var (
		netErr  net.Error
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		tlsErr  tls.RecordHeaderError
	)
	reason := "webhook unreachable"
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		reason = "webhook timeout"
	case errors.As(err, &dnsErr):
		reason = "webhook dns lookup failed"
	case errors.Is(err, syscall.ECONNREFUSED):
		reason = "webhook connection refused"
	case errors.As(err, &certErr):
		reason = "webhook tls certificate refused"
	case errors.As(err, &tlsErr):
		reason = "webhook tls handshake failed"
	}
	return notifier.Retryable(reason, 0)
}

// interrupted reports the caller's cancelled or expired context: retryable,
// since the report is still owed.
func interrupted(cause error) error {
	reason := "webhook request cancelled"
	if errors.Is(cause, context.DeadlineExceeded) {
		reason = "webhook timeout"
	}
	return fmt.Errorf("%w: %w", notifier.Retryable(reason, 0), cause)
}
