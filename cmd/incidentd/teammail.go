package main

import (
	"context"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
)

// teamMail emails the response team (team_email): deadline warnings, and
// reports an authority could not be sent. Without a mailer or an address
// it sends nothing: the log line and the metric remain.
type teamMail struct {
	mailer notifier.Notifier
	to     string
}

func (t teamMail) configured() bool { return t.mailer != nil && t.to != "" }

// send mails one message about an incident; key names it among the
// team's messages (the outbox keeps one file per key).
func (t teamMail) send(ctx context.Context, incidentID, key, template, subject, text string) error {
	if !t.configured() {
		return nil
	}
	_, err := t.mailer.Notify(ctx, notifier.Delivery{IncidentID: incidentID, SubjectID: "team:" + key,
		Channel: incident.ChannelEmail, To: []string{t.to}, Locale: "en", TemplateID: template,
		Message: notifier.Message{Subject: subject, Title: subject, Text: text}})
	return err
}
