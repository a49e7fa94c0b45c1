// Package push delivers notices as push notifications through Firebase Cloud
// Messaging (FCM HTTP v1, firebase.google.com/go/v4/messaging). A person may
// have several devices: tokens are tried in order until one is accepted, and
// tokens FCM reports unregistered are handed back so they can be retired.
package push

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
)

// Config configures the FCM sender.
type Config struct {
	ProjectID       string
	CredentialsFile string // service account JSON; required unless Endpoint is set
	Endpoint        string // empty = real FCM; tests: an httptest URL (no /v1), used without auth
}

// Validate reports the first bad field. Errors name the field.
func (c Config) Validate() error {
	if c.ProjectID == "" {
		return incident.Invalid("push.project_id", "is required")
	}
	if c.Endpoint == "" {
		if c.CredentialsFile == "" {
			return incident.Invalid("push.credentials_file", "is required")
		}
		return nil
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return incident.Invalid("push.endpoint", "must be an absolute http(s) URL")
	}
	return nil
}

// Notifier sends push notifications through FCM. It is safe for concurrent use.
type Notifier struct {
	client *messaging.Client
}

// New validates cfg and builds the FCM client. With Endpoint set it talks to
// that server without credentials: meant for local fakes only.
func New(ctx context.Context, cfg Config) (*Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts := []option.ClientOption{option.WithCredentialsFile(cfg.CredentialsFile)}
	if cfg.Endpoint != "" {
		opts = []option.ClientOption{
			option.WithEndpoint(strings.TrimSuffix(cfg.Endpoint, "/") + "/v1"),
			option.WithoutAuthentication(),
		}
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: cfg.ProjectID}, opts...)
	if err != nil {
		return nil, fmt.Errorf("create firebase app: %w", err)
	}
	client, err := app.Messaging(ctx)
	if err != nil {
		return nil, fmt.Errorf("create fcm client: %w", err)
	}
	return &Notifier{client: client}, nil
}

// Result is the outcome of one delivery across a person's devices.
type Result struct {
	Receipt notifier.Receipt
	// Unregistered holds the tokens FCM said are no longer valid, whether or
	// not another token then succeeded. They are personal data: store them to
	// retire them, never log them.
	Unregistered []string
}

// Notify implements notifier.Notifier; see Send.
func (n *Notifier) Notify(ctx context.Context, d notifier.Delivery) (notifier.Receipt, error) {
	r, err := n.Send(ctx, d)
	r.Receipt.Unregistered = r.Unregistered
	return r.Receipt, err
}

// Send tries each token in d.To in order until FCM accepts one. The error is
// permanent only if every token was refused for good; any retryable failure
// makes the whole delivery retryable. The Result is meaningful on error too.
func (n *Notifier) Send(ctx context.Context, d notifier.Delivery) (Result, error) {
	var res Result
	tokens := nonEmpty(d.To)
	if len(tokens) == 0 {
		return res, notifier.Permanent("no push token")
	}
	if strings.TrimSpace(d.Message.Text) == "" {
		return res, notifier.Permanent("empty push text")
	}
	var failed []error
	for _, tok := range tokens {
		if err := ctx.Err(); err != nil {
			return res, interrupted(err)
		}
		name, err := n.client.Send(ctx, message(tok, d))
		if err == nil {
			res.Receipt = notifier.Receipt{Provider: "fcm", ProviderID: name}
			return res, nil
		}
		if ctx.Err() != nil {
			return res, interrupted(ctx.Err())
		}
		if messaging.IsUnregistered(err) {
			res.Unregistered = append(res.Unregistered, tok)
		}
		failed = append(failed, classify(err))
	}
	return res, fmt.Errorf("send push: %w", overall(failed))
}

// message builds the FCM message for one device. The link rides in Data for
// the app; web push also gets it as the click target when it is https,
// which the SDK requires.
func message(token string, d notifier.Delivery) *messaging.Message {
	m := &messaging.Message{
		Token:        token,
		Notification: &messaging.Notification{Title: d.Message.Title, Body: d.Message.Text},
		Data:         map[string]string{"incident_id": d.IncidentID},
	}
	if link := d.Message.Link; link != "" {
		m.Data["link"] = link
		if u, err := url.Parse(link); err == nil && u.Scheme == "https" {
			m.Webpush = &messaging.WebpushConfig{FCMOptions: &messaging.WebpushFCMOptions{Link: link}}
		}
	}
	return m
}

func nonEmpty(tokens []string) []string {
	var out []string
	for _, t := range tokens {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

// interrupted reports a cancelled or expired context: retryable, since the
// message may still be wanted by a caller with more time.
func interrupted(cause error) error {
	reason := "fcm request cancelled"
	if errors.Is(cause, context.DeadlineExceeded) {
		reason = "fcm request timed out"
	}
	return fmt.Errorf("send push: %w: %w", notifier.Retryable(reason, 0), cause)
}
