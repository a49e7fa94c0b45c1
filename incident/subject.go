package incident

import "fmt"

// Channels a person can be reached on.
const (
	ChannelPush  = "push"
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// DefaultChain is the order tried when a subject states no preference.
var DefaultChain = []string{ChannelPush, ChannelSMS, ChannelEmail}

// Subject is one affected person. Contact fields are personal data: they are
// used to deliver and for nothing else. String and Format print only the id so
// that a careless %v never leaks them into a log or an error.
type Subject struct {
	ID           string   `json:"id"`
	Name         string   `json:"name,omitempty"`
	Locale       string   `json:"locale,omitempty"`
	Jurisdiction string   `json:"jurisdiction,omitempty"`
	Email        string   `json:"email,omitempty"`
	Phone        string   `json:"phone,omitempty"`
	PushTokens   []string `json:"push_tokens,omitempty"`
	Channels     []string `json:"channels,omitempty"`
}

// String names the subject by its pseudonymous id only.
func (s Subject) String() string { return "subject " + s.ID }

// Format keeps every fmt verb (%v, %+v, %#v) down to the id.
func (s Subject) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// Chain is the order of channels to try for this subject: the subject's own
// preference if given, else DefaultChain.
func (s Subject) Chain() []string {
	if len(s.Channels) > 0 {
		return s.Channels
	}
	return DefaultChain
}

// Address returns the contact for one channel, and whether there is one.
// Push returns the first token; the push channel is handed all of them.
func (s Subject) Address(channel string) (string, bool) {
	switch channel {
	case ChannelEmail:
		return s.Email, s.Email != ""
	case ChannelSMS:
		return s.Phone, s.Phone != ""
	case ChannelPush:
		for _, t := range s.PushTokens {
			if t != "" {
				return t, true
			}
		}
	}
	return "", false
}
