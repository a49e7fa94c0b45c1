package sms

import (
	"context"
	"errors"
	"net/http"
	"regexp"

	"github.com/twilio/twilio-go/client"
	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
)

// MaxCallbackBytes bounds a status callback's body. Twilio's are well under
// 2 KB; anything bigger is not Twilio.
const MaxCallbackBytes = 16 << 10

// LateFailure handles a message Twilio accepted and later reported
// undelivered or failed. errorCode is Twilio's numeric error code (30003
// unreachable handset, 30005 unknown number, ...) or "" when none was given.
// An error makes the handler answer 500, so Twilio posts the callback again.
type LateFailure func(ctx context.Context, messageSID, status, errorCode string) error

// Delivered handles Twilio's confirmation that a message reached the
// handset. Twilio may post it more than once. An error makes the handler
// answer 500, so Twilio posts the callback again.
type Delivered func(ctx context.Context, messageSID string) error

// StatusCallbackConfig configures the handler of Twilio's status callbacks.
type StatusCallbackConfig struct {
	AuthToken string // the account's auth token, which signs every callback
	// URL is the public URL Twilio posts to, as in Config.StatusCallbackURL.
	// Twilio signs this URL; behind a proxy the request's own URL differs.
	URL       string
	OnFailure LateFailure
	// OnDelivered is optional: nil acknowledges "delivered" doing nothing.
	OnDelivered Delivered
	Log         *zap.Logger // nil logs nothing
}

// Validate reports the first bad field. Errors never name a secret.
func (c StatusCallbackConfig) Validate() error {
	switch {
	case c.AuthToken == "":
		return incident.Invalid("sms.auth_token", "is required to verify status callbacks")
	case c.URL == "" || !absoluteHTTP(c.URL):
		return incident.Invalid("sms.status_callback_url", "must be an absolute http(s) URL")
	case c.OnFailure == nil:
		return incident.Invalid("sms.on_failure", "is required")
	}
	return nil
}

// StatusCallback is the http.Handler of Twilio's message status callbacks:
// it checks X-Twilio-Signature, passes undelivered and failed messages to
// OnFailure and delivered ones to OnDelivered, and acknowledges every
// other status. It never logs or echoes the To and From numbers or a
// message body.
type StatusCallback struct {
	cfg       StatusCallbackConfig
	validator client.RequestValidator
	log       *zap.Logger
}

// NewStatusCallback validates cfg and builds the handler.
func NewStatusCallback(cfg StatusCallbackConfig) (*StatusCallback, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Log
	if log == nil {
		log = zap.NewNop()
	}
	return &StatusCallback{cfg: cfg, validator: client.NewRequestValidator(cfg.AuthToken), log: log}, nil
}

// lateFailures are the statuses that undo a send Twilio had accepted.
var lateFailures = map[string]bool{"undelivered": true, "failed": true}

// Twilio SIDs are two letters and 32 hex digits; error codes are numbers.
var (
	sidPattern       = regexp.MustCompile(`^[A-Za-z]{2}[0-9A-Za-z]{1,62}$`)
	errorCodePattern = regexp.MustCompile(`^[0-9]{1,6}$`)
)

func (h *StatusCallback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxCallbackBytes)
	if err := r.ParseForm(); err != nil {
		h.refuseForm(w, err)
		return
	}
	if !h.signed(r) {
		h.log.Warn("twilio status callback refused: missing or bad signature")
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	sid := r.PostForm.Get("MessageSid")
	if !sidPattern.MatchString(sid) {
		http.Error(w, "MessageSid: missing or malformed", http.StatusBadRequest)
		return
	}
	status := r.PostForm.Get("MessageStatus")
	if err := h.record(r.Context(), sid, status, r.PostForm.Get("ErrorCode")); err != nil {
		h.log.Error("twilio status callback not recorded; Twilio will retry",
			zap.String("message_sid", sid), zap.String("status", status), zap.Error(err))
		http.Error(w, "not recorded", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// record passes a status that changes the ledger to its handler.
func (h *StatusCallback) record(ctx context.Context, sid, status, errorCode string) error {
	switch {
	case lateFailures[status]:
		if !errorCodePattern.MatchString(errorCode) {
			errorCode = "" // only a number is kept: it ends up in the ledger
		}
		return h.cfg.OnFailure(ctx, sid, status, errorCode)
	case status == "delivered" && h.cfg.OnDelivered != nil:
		return h.cfg.OnDelivered(ctx, sid)
	}
	return nil // sent, queued, read...: nothing to record
}

// signed checks X-Twilio-Signature over the configured public URL and the
// POST form, as Twilio computes it.
func (h *StatusCallback) signed(r *http.Request) bool {
	sig := r.Header.Get("X-Twilio-Signature")
	if sig == "" {
		return false
	}
	params := make(map[string]string, len(r.PostForm))
	for k, v := range r.PostForm {
		params[k] = v[0]
	}
	return h.validator.Validate(h.cfg.URL, params, sig)
}

func (h *StatusCallback) refuseForm(w http.ResponseWriter, err error) {
	if maxErr := (*http.MaxBytesError)(nil); errors.As(err, &maxErr) {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	http.Error(w, "malformed form body", http.StatusBadRequest)
}
