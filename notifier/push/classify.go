package push

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"

	"github.com/herald-notify/herald/notifier"
)

// classify turns one token's failed send into a notifier error. FCM's own
// messages can quote the token, so only fixed words and status codes are
// kept. Anything not known to be the token's or the payload's fault is
// retryable: a bounded retry beats giving up on a person.
func classify(err error) error {
	switch {
	case messaging.IsUnregistered(err):
		return notifier.Permanent("fcm token unregistered")
	case messaging.IsInvalidArgument(err), errorutils.IsInvalidArgument(err):
		return notifier.Permanent("fcm invalid argument")
	case messaging.IsSenderIDMismatch(err):
		return notifier.Permanent("fcm sender id mismatch")
	}
	resp := errorutils.HTTPResponse(err)
	if resp == nil {
		return noResponse(err)
	}
	wait := notifier.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	switch {
	case messaging.IsQuotaExceeded(err), resp.StatusCode == http.StatusTooManyRequests:
		return notifier.Retryable("fcm quota exceeded", wait)
	case messaging.IsThirdPartyAuthError(err),
		resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden:
		// Our credentials, not the person's device: retry rather than fall back.
		return notifier.Retryable("fcm auth failed", 0)
	}
	return notifier.Retryable(fmt.Sprintf("fcm http %d", resp.StatusCode), wait)
}

// noResponse classifies a failure without an HTTP error answer: a network
// failure (after the SDK's own retries) or an answer the SDK could not parse.
func noResponse(err error) error {
	if errorutils.IsUnavailable(err) || errorutils.IsDeadlineExceeded(err) || errorutils.IsUnknown(err) {
		return notifier.Retryable("fcm unreachable", 0)
	}
	return notifier.Retryable("fcm bad response", 0)
}

// overall combines per-token failures: retryable if any token might still
// work later (with the longest wait asked for), else the first permanent one.
func overall(failed []error) error {
	var retry *notifier.Error
	for _, err := range failed {
		var e *notifier.Error
		if !errors.As(err, &e) || e.Permanent {
			continue
		}
		if retry == nil || e.RetryAfter > retry.RetryAfter {
			retry = e
		}
	}
	if retry != nil {
		return retry
	}
	return failed[0]
}
