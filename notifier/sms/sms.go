// Package sms delivers notices as text messages through Twilio's Messages
// API (twilio-go). Every failure is classified where it happens: a number
// Twilio refuses is permanent (fall back to the next channel); throttling,
// server errors, network trouble and our own bad credentials are retryable.
package sms

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
)

// DefaultTimeout bounds one request to Twilio when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config configures the Twilio sender.
type Config struct {
	AccountSID          string
	AuthToken           string
	From                string        // sender number or alphanumeric id; or use MessagingServiceSID
	MessagingServiceSID string        // lets Twilio pick the sender from a pool
	BaseURL             string        // empty = real Twilio; tests point it at an httptest server
	Timeout             time.Duration // per request; 0 = DefaultTimeout
	// StatusCallbackURL is the public URL of the StatusCallback handler.
	// When set, every message asks Twilio to post its later status there,
	// so a message Twilio accepted but could not deliver is not counted
	// as reaching the person.
	StatusCallbackURL string
}

// twilio-go refuses credentials with other characters before sending; real
// SIDs and tokens are hex, so catch a typo at startup instead.
var alphanumeric = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// Validate reports the first bad field. Errors name the field, never a secret.
func (c Config) Validate() error {
	switch {
	case c.AccountSID == "":
		return incident.Invalid("sms.account_sid", "is required")
	case !alphanumeric.MatchString(c.AccountSID):
		return incident.Invalid("sms.account_sid", "must be letters and digits only")
	case c.AuthToken == "":
		return incident.Invalid("sms.auth_token", "is required")
	case !alphanumeric.MatchString(c.AuthToken):
		return incident.Invalid("sms.auth_token", "must be letters and digits only")
	case c.From == "" && c.MessagingServiceSID == "":
		return incident.Invalid("sms.from", "from or messaging_service_sid is required")
	case c.Timeout < 0:
		return incident.Invalid("sms.timeout", "must not be negative")
	}
	if c.BaseURL != "" && !absoluteHTTP(c.BaseURL) {
		return incident.Invalid("sms.base_url", "must be an absolute http(s) URL")
	}
	if c.StatusCallbackURL != "" && !absoluteHTTP(c.StatusCallbackURL) {
		return incident.Invalid("sms.status_callback_url", "must be an absolute http(s) URL")
	}
	return nil
}

func absoluteHTTP(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Notifier sends SMS through Twilio. It is safe for concurrent use.
type Notifier struct {
	cfg    Config
	target *url.URL          // where requests really go; nil = Twilio
	base   http.RoundTripper // shared so connections are reused across sends
}

// New validates cfg and builds a Notifier. It does not contact Twilio.
func New(cfg Config) (*Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	n := &Notifier{cfg: cfg, base: http.DefaultTransport.(*http.Transport).Clone()}
	if cfg.BaseURL != "" {
		n.target, _ = url.Parse(strings.TrimSuffix(cfg.BaseURL, "/")) // checked by Validate
	}
	return n, nil
}

// e164 is "+", a non-zero country digit and at most 15 digits in all.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// Notify sends d.Message.Text to d.To[0], an E.164 number; other entries of
// d.To are ignored. The receipt's ProviderID is Twilio's message SID.
func (n *Notifier) Notify(ctx context.Context, d notifier.Delivery) (notifier.Receipt, error) {
	if err := checkDelivery(d); err != nil {
		return notifier.Receipt{}, err
	}
	if err := ctx.Err(); err != nil {
		return notifier.Receipt{}, interrupted(err)
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	defer cancel()

	call := &callTransport{ctx: ctx, base: n.base, target: n.target}
	msg, err := n.service(call).CreateMessage(n.params(d.To[0], d.Message.Text))
	switch {
	case err == nil:
		return receipt(msg), nil
	case call.status/100 == 2:
		// Twilio took the message but its answer was unreadable: sending
		// again would text the person twice.
		return notifier.Receipt{Provider: "twilio"}, nil
	}
	return notifier.Receipt{}, classify(ctx, call, err)
}

// checkDelivery refuses, without a request, what Twilio would refuse anyway.
func checkDelivery(d notifier.Delivery) error {
	switch {
	case len(d.To) == 0 || d.To[0] == "":
		return notifier.Permanent("no phone number")
	case !e164.MatchString(d.To[0]):
		return notifier.Permanent("phone number not e164")
	case strings.TrimSpace(d.Message.Text) == "":
		return notifier.Permanent("empty sms text")
	}
	return nil
}

// service builds a Messages API client bound to one call's transport: twilio-go
// takes no context, so the transport is how this call's ctx reaches the wire.
func (n *Notifier) service(call *callTransport) *api.ApiService {
	c := &client.Client{
		Credentials: client.NewCredentials(n.cfg.AccountSID, n.cfg.AuthToken),
		HTTPClient: &http.Client{
			Transport: call,
			// Like twilio-go's own default: a redirect is an answer, not a hop.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	c.SetAccountSid(n.cfg.AccountSID)
	return api.NewApiServiceWithClient(c)
}

func (n *Notifier) params(to, text string) *api.CreateMessageParams {
	p := (&api.CreateMessageParams{}).SetTo(to).SetBody(text)
	if n.cfg.From != "" {
		p.SetFrom(n.cfg.From)
	}
	if n.cfg.MessagingServiceSID != "" {
		p.SetMessagingServiceSid(n.cfg.MessagingServiceSID)
	}
	if n.cfg.StatusCallbackURL != "" {
		p.SetStatusCallback(n.cfg.StatusCallbackURL)
	}
	return p
}

func receipt(msg *api.ApiV2010Message) notifier.Receipt {
	r := notifier.Receipt{Provider: "twilio"}
	if msg != nil && msg.Sid != nil {
		r.ProviderID = *msg.Sid
	}
	return r
}
