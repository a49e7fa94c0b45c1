package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/notifier/sms"
)

// Routes of the delivery receipts.
const (
	twilioStatusRoute = "POST /webhooks/twilio/status"
	receiptsRoute     = "POST /api/v1/receipts"
)

// receipts records what providers report after accepting a message. A
// late failure (Twilio "undelivered", an SMTP bounce) becomes fallback:
// the ledger row becomes failed and, if that send was what counted the
// person as told, the person is pending again and reopened() wakes the
// enqueuer. A delivery confirmation (Twilio "delivered", a receipt with
// status "delivered") marks the sent row delivered, once.
type receipts struct {
	store    store.Store
	log      *zap.Logger
	reopened func()              // nil: nothing to wake
	twilio   *sms.StatusCallback // nil: no callback URL or no auth token configured
	token    string              // bearer of /api/v1/receipts; "" leaves it unmounted
}

// newReceipts builds the receipt handlers cfg asks for. reopened is called
// each time a person goes back to pending (pass the enqueuer's Kick).
func newReceipts(st store.Store, log *zap.Logger, cfg Config, reopened func()) (*receipts, error) {
	rc := &receipts{store: st, log: log.With(zap.String("component", "receipts")), reopened: reopened,
		token: cfg.ReceiptsToken}
	if cfg.TwilioStatusCallbackURL == "" {
		return rc, nil
	}
	if cfg.TwilioAuthToken == "" {
		rc.log.Warn("twilio_status_callback_url is set without a Twilio auth token: status callbacks are not accepted")
		return rc, nil
	}
	h, err := sms.NewStatusCallback(sms.StatusCallbackConfig{AuthToken: cfg.TwilioAuthToken,
		URL: cfg.TwilioStatusCallbackURL, OnFailure: rc.twilioFailed, OnDelivered: rc.twilioDelivered,
		Log: rc.log.With(zap.String("provider", "twilio"))})
	if err != nil {
		return nil, fmt.Errorf("twilio_status_callback_url: %w", err)
	}
	rc.twilio = h
	return rc, nil
}

// mount adds the configured receipt routes; a nil receipts adds none.
func (rc *receipts) mount(mux *http.ServeMux) {
	if rc == nil {
		return
	}
	if rc.twilio != nil {
		mux.Handle(twilioStatusRoute, rc.twilio)
	}
	if rc.token != "" {
		mux.HandleFunc(receiptsRoute, rc.serveGeneric)
	}
}

func (rc *receipts) twilioFailed(ctx context.Context, sid, status, errorCode string) error {
	reason := "twilio " + status
	if errorCode != "" {
		reason += " " + errorCode
	}
	return rc.failLate(ctx, "twilio", sid, reason)
}

func (rc *receipts) twilioDelivered(ctx context.Context, sid string) error {
	return rc.delivered(ctx, "twilio", sid)
}

// delivered records that provider confirmed its message providerID reached
// the person. A repeat, or a confirmation for a message not sent (already
// failed late) or not in the ledger, is acknowledged and changes nothing.
// It logs at debug only: every message sent may bring one.
func (rc *receipts) delivered(ctx context.Context, provider, providerID string) error {
	a, err := rc.store.AttemptByProviderID(ctx, provider, providerID)
	if incident.ErrorCode(err) == incident.CodeNotFound {
		rc.log.Info("delivery receipt for a message not in the ledger; acknowledged", zap.String("provider", provider))
		return nil
	}
	if err != nil {
		return fmt.Errorf("find %s attempt: %w", provider, err)
	}
	marked, err := rc.store.MarkDelivered(ctx, a, time.Time{})
	if err != nil {
		return fmt.Errorf("record %s delivery: %w", provider, err)
	}
	rc.log.Debug("delivery receipt", zap.String("incident", a.IncidentID), zap.String("subject", a.SubjectID),
		zap.String("channel", a.Channel), zap.String("provider", provider), zap.Bool("recorded", marked),
		zap.String("status", a.Status))
	return nil
}

// failLate records that provider reported its message providerID failed.
// A message Herald has no record of (another deployment's, or a ledger
// since rebuilt) is acknowledged: refusing it would only make the provider
// retry forever.
func (rc *receipts) failLate(ctx context.Context, provider, providerID, reason string) error {
	a, err := rc.store.AttemptByProviderID(ctx, provider, providerID)
	if incident.ErrorCode(err) == incident.CodeNotFound {
		rc.log.Info("late failure for a message not in the ledger; acknowledged", zap.String("provider", provider))
		return nil
	}
	if err != nil {
		return fmt.Errorf("find %s attempt: %w", provider, err)
	}
	log := rc.log.With(zap.String("incident", a.IncidentID), zap.String("subject", a.SubjectID),
		zap.String("channel", a.Channel), zap.String("provider", provider), zap.String("reason", reason))
	if a.Status != incident.AttemptSent {
		log.Debug("late failure already recorded or not a sent message; nothing to do", zap.String("status", a.Status))
		return nil
	}
	reopened, err := rc.store.FailLate(ctx, a, reason)
	if err != nil {
		return fmt.Errorf("record late %s failure: %w", provider, err)
	}
	if !reopened {
		log.Info("late failure recorded; the person was not counted as told on this channel")
		return nil
	}
	log.Info("late failure: the person falls back to the next channel")
	if rc.reopened != nil {
		rc.reopened()
	}
	return nil
}

// receipt is the body of POST /api/v1/receipts.
type receipt struct {
	Provider   string `json:"provider"`
	ProviderID string `json:"provider_id"`
	Status     string `json:"status"` // receiptFailed or receiptDelivered
	Reason     string `json:"reason"` // required for a failure, optional for a delivery
}

// Receipt statuses.
const (
	receiptFailed    = "failed"
	receiptDelivered = "delivered"
)

// maxReceiptBytes bounds one receipt's body; a real one is ~200 bytes.
const maxReceiptBytes = 4 << 10

// serveGeneric takes late failures and delivery confirmations from the
// other providers' processors (an SMTP bounce reader, an FCM
// delivery-data job).
func (rc *receipts) serveGeneric(w http.ResponseWriter, r *http.Request) {
	if !rc.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="herald receipts"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "a valid bearer token is required", "code": "unauthorized"})
		return
	}
	var rec receipt
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxReceiptBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		rc.fail(w, incident.Invalid("body", "must be one JSON receipt of at most %d bytes", maxReceiptBytes))
		return
	}
	if err := rec.validate(); err != nil {
		rc.fail(w, err)
		return
	}
	var err error
	if rec.Status == receiptDelivered {
		err = rc.delivered(r.Context(), rec.Provider, rec.ProviderID)
	} else {
		err = rc.failLate(r.Context(), rec.Provider, rec.ProviderID, rec.Provider+" "+rec.Reason)
	}
	if err != nil {
		rc.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// authorized compares hashes so the comparison takes the same time
// whatever the token's length.
func (rc *receipts) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || got == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(rc.token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// receiptProviders are the providers whose ids the ledger keeps.
var receiptProviders = map[string]bool{"smtp": true, "fcm": true, "twilio": true}

// contactLike finds what could be a phone number: 7 or more digits, even
// written with spaces, dots, dashes, slashes or brackets between them.
var contactLike = regexp.MustCompile(`\p{Nd}(?:[\s.\-/()]*\p{Nd}){6,}`)

const maxReasonLen = 200

// validate names the first bad field. A failure's reason is stored in the
// ledger, so anything that might carry a contact detail is refused. A
// delivery's reason is optional and not kept; one given is held to the
// same rules, so a processor that puts contact details there learns it at
// once rather than on its first failure.
func (rec receipt) validate() error {
	switch {
	case !receiptProviders[rec.Provider]:
		return incident.Invalid("provider", "must be smtp, fcm or twilio")
	case rec.ProviderID == "" || len(rec.ProviderID) > 512 || !printable(rec.ProviderID):
		return incident.Invalid("provider_id", "is required: up to 512 printable characters")
	case rec.Status != receiptFailed && rec.Status != receiptDelivered:
		return incident.Invalid("status", `must be "failed" or "delivered"`)
	case rec.Status == receiptDelivered && rec.Reason == "":
		return nil
	case strings.TrimSpace(rec.Reason) == "" || len(rec.Reason) > maxReasonLen || !printable(rec.Reason):
		return incident.Invalid("reason", "is required: up to %d printable characters", maxReasonLen)
	case strings.Contains(rec.Reason, "@") || contactLike.MatchString(rec.Reason):
		return incident.Invalid("reason", "must not contain '@' or 7 or more digits: it is stored and might carry a contact detail")
	}
	return nil
}

func printable(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0
}

// fail answers with the status the shared table gives err's code; an
// internal error is logged here and not echoed.
func (rc *receipts) fail(w http.ResponseWriter, err error) {
	code := incident.ErrorCode(err)
	status, ok := statusFor[code]
	if !ok || code == incident.CodeNotFound {
		rc.log.Error("receipt not recorded", zap.Error(err))
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error", "code": "internal"})
		return
	}
	writeJSON(w, status, map[string]string{"error": err.Error(), "code": code, "field": incident.ErrorField(err)})
}
