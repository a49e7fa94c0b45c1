// Package webhook delivers a regulator report to a supervisory authority's
// HTTPS webhook, signed so the authority can check it came from Herald and
// was not altered or replayed. README.md in this directory is the same
// protocol written for the authority's engineers.
//
// Request: POST to the configured URL, the report JSON as the body, with
//
//	Content-Type:     application/json
//	Herald-Delivery:  <delivery id>   e.g. INC-1/v3/de-bfdi
//	Herald-Timestamp: <unix seconds>
//	Herald-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<delivery id>.<body>")>
//
// The delivery id is the same on every retry of one report version to one
// authority: the receiver de-duplicates on it. It is visible ASCII without
// '.', so the signed string splits one way only. Verify checks a request on
// the receiving side, including the replay window.
//
// Answer: any 2xx accepts the report. Its body may be JSON
// {"reference": "...", "acknowledged": true, "acknowledgement": "..."};
// anything else (empty, not JSON, over MaxAnswerBytes) is still accepted,
// without a reference. 408, 425, 429, 5xx, timeouts and network failures are
// retryable (Retry-After is honoured, up to MaxRetryAfter); every other 4xx
// is permanent; a 3xx redirect is never followed and is permanent, since a
// report must go only where the authority configured.
//
// Errors are notifier.Retryable / notifier.Permanent with short fixed
// reasons ("webhook http 500", "webhook timeout"): they never hold the URL
// (whose query may carry a token), the secret, or the body.
package webhook
