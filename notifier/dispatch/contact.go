package dispatch

import (
	"net/mail"
	"regexp"

	"github.com/herald-notify/herald/incident"
)

// e164 is the international phone format providers accept: + and 8-15 digits.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// recipients lists the subject's usable contacts for a channel.
func recipients(s incident.Subject, ch string) []string {
	if ch == incident.ChannelPush {
		var tokens []string
		for _, t := range s.PushTokens {
			if t != "" {
				tokens = append(tokens, t)
			}
		}
		return tokens
	}
	if addr, ok := s.Address(ch); ok {
		return []string{addr}
	}
	return nil
}

// checkContact rejects a contact no provider could deliver to, before any
// send: a permanent failure for that channel, never a crash. The reason
// never repeats the contact itself.
func checkContact(ch string, to []string) string {
	if len(to) == 0 {
		return ""
	}
	switch ch {
	case incident.ChannelSMS:
		if !e164.MatchString(to[0]) {
			return "invalid phone number (not E.164)"
		}
	case incident.ChannelEmail:
		if a, err := mail.ParseAddress(to[0]); err != nil || a.Address != to[0] {
			return "invalid email address"
		}
	}
	return ""
}
