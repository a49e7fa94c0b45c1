package email

import (
	"bytes"
	"crypto/rand"
	"fmt"
	netmail "net/mail"
	"strings"

	"github.com/wneessen/go-mail"

	"github.com/herald-notify/herald/notifier"
)

// HeaderIncident names the incident a message is about, so a bounce or a
// reply can be matched to it without reading the body.
const HeaderIncident mail.Header = "X-Herald-Incident"

// Compose builds the message the email channel sends for d: From, To,
// Subject, Date, a fresh Message-ID, X-Herald-Incident, a text body with
// an optional HTML alternative, and the message's attachments. It returns the Message-ID without angle
// brackets. A missing or malformed address, or an empty body, is a permanent
// failure whose text never repeats the address. The outbox uses Compose too,
// so what it writes is what would have been sent.
func Compose(from string, d notifier.Delivery) (*mail.Msg, string, error) {
	to, err := recipient(d)
	if err != nil {
		return nil, "", err
	}
	if d.Message.Text == "" && d.Message.HTML == "" {
		return nil, "", notifier.Permanent("empty email body")
	}
	sender, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, "", fmt.Errorf("parse sender: %w", err)
	}
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	m.FromMailAddress(sender)
	m.ToMailAddress(to)
	m.Subject(d.Message.Subject)
	m.SetDate()
	id := newMessageID(sender.Address)
	m.SetMessageIDWithValue(id)
	m.SetGenHeader(HeaderIncident, d.IncidentID)
	// RFC 3834: tells vacation responders not to answer a notification.
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	if d.Locale != "" {
		m.SetGenHeader(mail.HeaderContentLang, d.Locale)
	}
	setBody(m, d.Message)
	if err := attach(m, d.Message.Attachments); err != nil {
		return nil, "", err
	}
	return m, id, nil
}

// attach adds each file as a base64 attachment (go-mail's default for
// files). A file without a name is a permanent failure: the recipient could
// not tell what it is, and retrying will not name it.
func attach(m *mail.Msg, files []notifier.Attachment) error {
	for i, a := range files {
		if a.Name == "" {
			return notifier.Permanent(fmt.Sprintf("attachment %d has no name", i+1))
		}
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		m.AttachReadSeeker(a.Name, bytes.NewReader(a.Data), mail.WithFileContentType(mail.ContentType(ct)))
	}
	return nil
}

// recipient validates d.To[0] before anything is dialled. Only the bare
// address is kept: a display name in the contact field is not ours to send.
func recipient(d notifier.Delivery) (*netmail.Address, error) {
	if len(d.To) == 0 || d.To[0] == "" {
		return nil, notifier.Permanent("no email address")
	}
	a, err := netmail.ParseAddress(d.To[0])
	if err != nil {
		return nil, notifier.Permanent("invalid email address")
	}
	return &netmail.Address{Address: a.Address}, nil
}

// setBody writes text alone, HTML alone, or both as multipart/alternative
// with the text first (RFC 2046: least faithful alternative first).
func setBody(m *mail.Msg, msg notifier.Message) {
	switch {
	case msg.HTML == "":
		m.SetBodyString(mail.TypeTextPlain, msg.Text)
	case msg.Text == "":
		m.SetBodyString(mail.TypeTextHTML, msg.HTML)
	default:
		m.SetBodyString(mail.TypeTextPlain, msg.Text)
		m.AddAlternativeString(mail.TypeTextHTML, msg.HTML)
	}
}

// newMessageID returns a unique id in the sender's domain. It is random,
// not derived from the delivery: a later notice to the same person is a
// different message.
func newMessageID(sender string) string {
	domain := "localhost"
	if at := strings.LastIndexByte(sender, '@'); at >= 0 && at < len(sender)-1 {
		domain = sender[at+1:]
	}
	return strings.ToLower(rand.Text()) + "@" + domain
}
