package outbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/email"
)

// Mark is the value of the X-Herald-Outbox header, the first line of every
// .eml the outbox writes.
const Mark = "not-sent - this message was NOT delivered"

// StatusNotSent is the "status" of every .json file the outbox writes.
const StatusNotSent = "not_sent"

// renderEmail builds the message exactly as the email channel would send
// it (email.Compose), with the not-sent mark put first, where anyone
// opening the file sees it.
func renderEmail(from string, d notifier.Delivery) ([]byte, error) {
	msg, _, err := email.Compose(from, d)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString("X-Herald-Outbox: " + Mark + "\r\n")
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("render email: %w", err)
	}
	return buf.Bytes(), nil
}

// Record is the content of an sms or push outbox file.
type Record struct {
	Status     string    `json:"status"` // always StatusNotSent
	Note       string    `json:"note"`
	Channel    string    `json:"channel"`
	IncidentID string    `json:"incident_id"`
	SubjectID  string    `json:"subject_id"`
	To         []string  `json:"to"` // the phone number, or every push token
	Title      string    `json:"title"`
	Text       string    `json:"text"`
	Link       string    `json:"link"`
	Locale     string    `json:"locale"`
	TemplateID string    `json:"template_id"`
	WrittenAt  time.Time `json:"written_at"`
}

// renderJSON refuses what the real channel could not send either: no
// recipient, or nothing to say.
func renderJSON(channel string, d notifier.Delivery, now time.Time) ([]byte, error) {
	if len(d.To) == 0 || d.To[0] == "" {
		return nil, notifier.Permanent("no " + channel + " recipient")
	}
	if d.Message.Text == "" && d.Message.Title == "" {
		return nil, notifier.Permanent("empty " + channel + " message")
	}
	r := Record{
		Status:     StatusNotSent,
		Note:       "Herald outbox: this message was NOT delivered",
		Channel:    channel,
		IncidentID: d.IncidentID,
		SubjectID:  d.SubjectID,
		To:         d.To,
		Title:      d.Message.Title,
		Text:       d.Message.Text,
		Link:       d.Message.Link,
		Locale:     d.Locale,
		TemplateID: d.TemplateID,
		WrittenAt:  now.UTC(),
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s record: %w", channel, err)
	}
	return append(b, '\n'), nil
}
