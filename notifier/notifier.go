// Package notifier delivers one rendered message to one person on one
// channel, and decides what a failure means: retry, or move on to the next
// channel. Each channel lives in its own subpackage and implements Notifier.
package notifier

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// Message is what a person receives, already rendered for their locale.
// Email uses Subject, Text, HTML and Attachments; SMS uses Text; push uses
// Title and Text.
type Message struct {
	Subject string
	Title   string
	Text    string
	HTML    string
	Link    string
	// Attachments are files sent with an email (a regulator report's PDF);
	// the other channels ignore them. They never hold contact data.
	Attachments []Attachment
}

// Attachment is one file sent with a message.
type Attachment struct {
	Name        string // file name the recipient sees, e.g. "report-INC-1-v1.pdf"
	ContentType string // media type; empty means application/octet-stream
	Data        []byte
}

// Delivery is one message to one person on one channel.
type Delivery struct {
	IncidentID string
	SubjectID  string // pseudonymous id: the only identifier that may be logged
	Channel    string
	To         []string // address, E.164 phone, or push tokens; personal data
	Locale     string
	TemplateID string
	Message    Message
}

// Receipt is the provider's acceptance of a delivery.
type Receipt struct {
	Provider   string // "smtp", "twilio", "fcm", "outbox"
	ProviderID string // message id given by the provider
	// Unregistered holds push tokens the provider said are gone for good,
	// set on success and on failure alike, so they can be retired. They
	// are personal data: never log them.
	Unregistered []string
}

// Notifier sends a delivery on one channel. The returned error is either nil,
// or classified with Retryable / Permanent so the dispatcher knows whether to
// try again or fall back.
type Notifier interface {
	Notify(ctx context.Context, d Delivery) (Receipt, error)
}

// Error is a classified delivery failure. Reason is a short, fixed
// description (e.g. "smtp 550", "twilio 21211 invalid number"): it never
// contains an address, number, token or message body.
type Error struct {
	Permanent  bool
	Reason     string
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Permanent {
		return "permanent: " + e.Reason
	}
	return "retryable: " + e.Reason
}

// Retryable builds a failure worth trying again (network, 5xx, 429, SMTP 4xx).
func Retryable(reason string, retryAfter time.Duration) error {
	return &Error{Reason: reason, RetryAfter: retryAfter}
}

// Permanent builds a failure that will not improve by retrying (invalid
// address or number, unregistered token, SMTP 5xx): fall back instead.
func Permanent(reason string) error {
	return &Error{Permanent: true, Reason: reason}
}

// ErrProviderDown matches, with errors.Is, a retryable failure that says the
// provider itself is known to be down right now (an open circuit breaker):
// retrying this send soon cannot help, so the person moves on to their next
// channel at once instead of waiting out the retries.
var ErrProviderDown = errors.New("provider down")

// IsPermanent reports whether err is a classified permanent failure.
// Unclassified errors count as retryable: a retry bounded by a deadline is
// safer than giving up on a person.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// RetryAfter returns the provider's requested wait, if any.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// ParseRetryAfter reads either form of the Retry-After header, seconds or an
// HTTP date, as a wait from now. It is 0 when the header is absent or
// unreadable, or names a time already past.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return max(time.Duration(s)*time.Second, 0)
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now).Round(time.Second), 0)
	}
	return 0
}
