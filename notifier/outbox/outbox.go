// Package outbox is the channel used when no provider is configured: it
// writes what would have been sent to a file, plainly marked as not sent,
// so an operator can read every notice without an SMTP server, Twilio or
// FCM account. Email becomes an RFC 5322 .eml file, SMS and push a .json
// file, under dir/{email,sms,push}/.
//
// The files hold contact details (showing what would be sent is their
// purpose); error text never does.
package outbox

import (
	"context"
	"crypto/sha256"
	"fmt"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
)

// Provider is the Receipt.Provider of every file the outbox writes.
const Provider = "outbox"

// DefaultFrom is the sender written into .eml files unless WithFrom says
// otherwise.
const DefaultFrom = "Herald <security-notice@localhost>"

// Notifier writes one channel's deliveries into its own directory. It is
// safe for concurrent use.
type Notifier struct {
	dir     string // dir/channel
	channel string
	from    string
	now     func() time.Time
}

var _ notifier.Notifier = (*Notifier)(nil)

// Option adjusts a Notifier.
type Option func(*Notifier)

// WithFrom sets the From of .eml files; empty keeps DefaultFrom.
func WithFrom(from string) Option {
	return func(n *Notifier) {
		if from != "" {
			n.from = from
		}
	}
}

// New prepares dir/channel (mode 0700: the files hold personal data).
// dir is normally $HERALD_DATA_DIR/outbox; channel is incident.ChannelEmail,
// ChannelSMS or ChannelPush.
func New(dir, channel string, opts ...Option) (*Notifier, error) {
	n := &Notifier{channel: channel, from: DefaultFrom, now: time.Now}
	for _, o := range opts {
		o(n)
	}
	if err := n.validate(dir); err != nil {
		return nil, fmt.Errorf("configure outbox: %w", err)
	}
	n.dir = filepath.Join(dir, channel)
	if err := os.MkdirAll(n.dir, 0o700); err != nil {
		return nil, fmt.Errorf("create outbox directory: %w", err)
	}
	return n, nil
}

func (n *Notifier) validate(dir string) error {
	switch {
	case dir == "":
		return incident.Invalid("dir", "is required")
	case n.channel != incident.ChannelEmail && n.channel != incident.ChannelSMS && n.channel != incident.ChannelPush:
		return incident.Invalid("channel", "must be email, sms or push, got %q", n.channel)
	}
	if _, err := netmail.ParseAddress(n.from); err != nil {
		return incident.Invalid("from", "is not an email address")
	}
	return nil
}

// Notify writes d to its file, replacing an earlier write of the same
// (incident, subject, channel), and an email's attachments to files beside
// it (see AttachmentName). The Receipt's ProviderID is the message's file
// name.
func (n *Notifier) Notify(ctx context.Context, d notifier.Delivery) (notifier.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return notifier.Receipt{}, cancelled(err)
	}
	body, ext, err := n.render(d)
	if err != nil {
		return notifier.Receipt{}, err
	}
	if err := n.writeAttachments(ctx, d); err != nil {
		return notifier.Receipt{}, err
	}
	name := FileName(d.IncidentID, d.SubjectID, n.channel) + ext
	if err := writeAtomic(ctx, n.dir, name, body); err != nil {
		return notifier.Receipt{}, err
	}
	return notifier.Receipt{Provider: Provider, ProviderID: name}, nil
}

func (n *Notifier) render(d notifier.Delivery) ([]byte, string, error) {
	if n.channel == incident.ChannelEmail {
		b, err := renderEmail(n.from, d)
		return b, ".eml", err
	}
	b, err := renderJSON(n.channel, d, n.now())
	return b, ".json", err
}

// FileName is the base name (without extension) of a delivery's file:
// readable ids plus a short hash of the exact ids, so that ids which clean
// to the same text ("a/b", "a_b") still get different files and the same
// delivery always gets the same one.
func FileName(incidentID, subjectID, channel string) string {
	sum := sha256.Sum256([]byte(incidentID + "\x00" + subjectID + "\x00" + channel))
	return fmt.Sprintf("%s_%s_%s_%x", clean(incidentID), clean(subjectID), clean(channel), sum[:4])
}

// clean keeps letters, digits and '-' (so no path separator, no dot, no
// hidden file) and caps the length so the whole name stays short.
func clean(id string) string {
	const maxLen = 64
	var b strings.Builder
	for _, r := range id {
		if b.Len() >= maxLen {
			break
		}
		if r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// writeAtomic writes data to dir/name through a temporary file and a
// rename, so a reader never sees half a file and a crash leaves the old
// file or the new one. A context that ends before the rename leaves no file.
func writeAtomic(ctx context.Context, dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return failed(fmt.Errorf("create temp file: %w", err))
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return failed(fmt.Errorf("write temp file: %w", err))
	}
	if err = f.Sync(); err != nil {
		return failed(fmt.Errorf("sync temp file: %w", err))
	}
	if err = f.Close(); err != nil {
		return failed(fmt.Errorf("close temp file: %w", err))
	}
	if err = ctx.Err(); err != nil {
		return cancelled(err)
	}
	if err = os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return failed(fmt.Errorf("rename temp file: %w", err))
	}
	return syncDir(dir)
}

// syncDir makes the rename itself durable: the ledger records "sent" once
// Notify returns.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return failed(fmt.Errorf("open outbox directory: %w", err))
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return failed(fmt.Errorf("sync outbox directory: %w", err))
	}
	return nil
}

// failed classifies a local I/O failure: retryable, since a full disk or a
// missing directory can be fixed while the dispatcher waits. Paths hold
// only the pseudonymous ids.
func failed(err error) error {
	return fmt.Errorf("%w: %w", notifier.Retryable("outbox write failed", 0), err)
}

func cancelled(ctxErr error) error {
	return fmt.Errorf("%w: %w", notifier.Retryable("outbox write cancelled", 0), ctxErr)
}
