// Package email sends notifications over SMTP with go-mail. Every failure is
// classified where it happens: SMTP 4xx, network errors and timeouts are
// retryable, SMTP 5xx and malformed addresses are permanent. Error text
// carries the SMTP code and stage, never the address or the body.
package email

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"

	"github.com/wneessen/go-mail"

	"github.com/herald-notify/herald/notifier"
)

// Provider is the Receipt.Provider of every message this channel sends.
const Provider = "smtp"

// Notifier sends one message per connection. Connections are not reused in
// v1: a dispatcher worker holds none between deliveries, so there is
// nothing to close and nothing to go stale. It is safe for concurrent use.
type Notifier struct {
	client *mail.Client
	from   string
}

var _ notifier.Notifier = (*Notifier)(nil)

// New checks cfg (after applying defaults) and prepares a client. It does
// not connect.
func New(cfg Config) (*Notifier, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configure email: %w", err)
	}
	c, err := mail.NewClient(cfg.Host, cfg.options()...)
	if err != nil {
		return nil, fmt.Errorf("create smtp client: %w", err)
	}
	return &Notifier{client: c, from: cfg.From}, nil
}

// Notify sends d to d.To[0]. The Receipt's ProviderID is the Message-ID
// (without angle brackets) that Herald generated for it.
func (n *Notifier) Notify(ctx context.Context, d notifier.Delivery) (notifier.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return notifier.Receipt{}, cancelled(err)
	}
	msg, id, err := Compose(n.from, d)
	if err != nil {
		return notifier.Receipt{}, err
	}
	if err := n.send(ctx, msg); err != nil {
		return notifier.Receipt{}, err
	}
	return notifier.Receipt{Provider: Provider, ProviderID: id}, nil
}

// send runs one SMTP session. go-mail only watches ctx while dialling, so
// closing the socket when ctx ends is what interrupts a session that is
// waiting on a slow server.
func (n *Notifier) send(ctx context.Context, msg *mail.Msg) error {
	sc, err := n.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return classifyDial(ctx, err)
	}
	// QUIT is a courtesy: the server has answered DATA by then, so its
	// failure does not change the outcome.
	defer func() { _ = n.client.CloseWithSMTPClient(sc) }()
	stop := context.AfterFunc(ctx, func() { _ = sc.Text.Close() })
	defer stop()

	err = n.client.SendWithSMTPClient(sc, msg)
	if msg.IsDelivered() {
		// The server accepted the message; anything after is not a failure
		// to deliver, and reporting one would cause a duplicate.
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return cancelled(ctxErr)
	}
	return classifySend(err)
}

// cancelled is the failure for an ended context: retryable (the dispatcher
// decides whether there is time left) and still matching ctx.Err() with
// errors.Is.
func cancelled(ctxErr error) error {
	return fmt.Errorf("%w: %w", notifier.Retryable("smtp send cancelled", 0), ctxErr)
}

// classifyDial classifies a failure to connect, greet, start TLS or
// authenticate. No recipient has been named yet, so the cause's text holds
// no personal data and is kept for the operator. A 5xx here (service
// refused, authentication failed) will not improve by retrying.
func classifyDial(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return cancelled(ctxErr)
	}
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 {
		return fmt.Errorf("%w: %w", notifier.Permanent(fmt.Sprintf("smtp %d at connect", tp.Code)), err)
	}
	if errors.As(err, &tp) {
		return fmt.Errorf("%w: %w", notifier.Retryable(fmt.Sprintf("smtp %d at connect", tp.Code), 0), err)
	}
	return fmt.Errorf("%w: %w", notifier.Retryable("smtp connect failed", 0), err)
}

// classifySend classifies a failure inside the mail transaction. go-mail's
// SendError text lists the recipient and the server's reply (which often
// quotes the address), so it is never wrapped: the reason is rebuilt from
// the code, the enhanced status code and the stage.
func classifySend(err error) error {
	var se *mail.SendError
	if !errors.As(err, &se) {
		return notifier.Retryable("smtp send failed", 0)
	}
	reason := "smtp"
	if code := se.ErrorCode(); code != 0 {
		reason += fmt.Sprintf(" %d", code)
	}
	if esc := se.EnhancedStatusCode(); esc != "" {
		reason += " " + esc
	}
	reason += " at " + stage(se.Reason)
	code := se.ErrorCode()
	switch {
	case code >= 500:
		return notifier.Permanent(reason)
	case code >= 400 || se.IsTemp():
		return notifier.Retryable(reason, 0)
	default:
		// No SMTP code: the connection broke or timed out mid-session.
		return notifier.Retryable(reason+": connection lost", 0)
	}
}

// stage names the SMTP step that failed, in a fixed vocabulary.
func stage(r mail.SendErrReason) string {
	switch r {
	case mail.ErrSMTPMailFrom:
		return "mail from"
	case mail.ErrSMTPRcptTo:
		return "rcpt to"
	case mail.ErrSMTPData:
		return "data"
	case mail.ErrWriteContent:
		return "message content"
	case mail.ErrSMTPDataClose:
		return "end of data"
	case mail.ErrConnCheck:
		return "connection check"
	default:
		return "send"
	}
}
