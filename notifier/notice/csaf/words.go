package csaf

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier/notice"
)

// English wording for facts given as codes. It follows the notice page's
// English catalogue (templates/i18n/en.yaml), told about the data rather
// than to one person.

var kindNames = map[string]string{
	incident.KindPersonalDataBreach: "personal data breach",
	incident.KindVulnerability:      "vulnerability",
	incident.KindServiceIncident:    "service incident",
}

func kindName(kind string) string {
	if name, ok := kindNames[kind]; ok {
		return name
	}
	return strings.ReplaceAll(kind, "_", " ")
}

// categoryWords describe each data category, in the order the page uses:
// what a person can act on (logins, money, identity documents) first.
var categoryWords = []struct{ code, text string }{
	{"credentials", "Login details (such as user names and passwords): someone could try to sign in to accounts."},
	{"financial", "Financial information (such as bank or card details, or payments): someone could try to use it for fraud."},
	{"government_id", "Official identity documents or numbers (such as passport or ID card numbers): someone could try to impersonate the people concerned."},
	{"health", "Health information: this is sensitive information."},
	{"special_category", "Sensitive information (for example about beliefs, political opinions or sex life)."},
	{"criminal", "Information about criminal convictions or offences."},
	{"children", "Information about children."},
	{"communications", "The content of messages or of communication with us."},
	{"location", "Information about where people are or have been."},
	{"behavioural", "Information about how people use our services (such as preferences or history)."},
	{"contact", "Contact details (such as email addresses, phone numbers or postal addresses): people may receive unwanted messages or phishing attempts that look genuine."},
	{"identity", "Names and other details that identify people."},
	{"demographic", "Personal details such as age or gender."},
}

func describeCategories(cats []string) []string {
	var out []string
	for _, w := range categoryWords {
		if slices.Contains(cats, w.code) {
			out = append(out, w.text)
		}
	}
	for _, c := range cats {
		if !slices.ContainsFunc(categoryWords, func(w struct{ code, text string }) bool { return w.code == c }) {
			out = append(out, "Other information: "+strings.ReplaceAll(c, "_", " ")+".")
		}
	}
	return out
}

func defaultAdvice(cats map[string]bool) []string {
	var out []string
	if cats["credentials"] {
		out = append(out, "Change your password, and also change it on any other service where you use the same password.",
			"Turn on two-step verification wherever it is offered.")
	}
	if cats["financial"] {
		out = append(out, "Check your bank and card statements, and tell your bank about any payment you do not recognise.")
	}
	if cats["government_id"] {
		out = append(out, "Watch for signs of identity theft, such as letters about accounts or loans you did not apply for.")
	}
	return append(out, "Be careful with unexpected emails, text messages or calls that mention this incident or ask for personal details.")
}

// factLabels name the public facts a revision can change, in the order a
// revision summary lists them.
var factLabels = []struct{ key, label string }{
	{"summary", "summary"}, {"kind", "type of incident"}, {"controller", "controller and contact point"},
	{"occurred_from", "when it happened"}, {"occurred_to", "when it happened"},
	{"detected_at", "when it was detected"}, {"contained_at", "when it was contained"},
	{"breach", "what happened to the information"}, {"data", "information involved"},
	{"measures", "measures"}, {"advice", "advice"}, {"remediation", "what we offer"},
}

// changeSummary says what a revision changed in the public facts.
func changeSummary(prev, next incident.Notice) string {
	var changed []string
	if titleOf(prev) != titleOf(next) {
		changed = append(changed, "title")
	}
	p, n := publicFields(prev.Facts), publicFields(next.Facts)
	for _, f := range factLabels {
		if string(p[f.key]) != string(n[f.key]) && !slices.Contains(changed, f.label) {
			changed = append(changed, f.label)
		}
	}
	closed := prev.Facts.ClosedAt == nil && next.Facts.ClosedAt != nil
	switch {
	case closed && len(changed) == 0:
		return "The incident is closed."
	case closed:
		return "The incident is closed. Updated: " + strings.Join(changed, ", ") + "."
	case len(changed) == 0:
		return "Republished."
	}
	return "Updated: " + strings.Join(changed, ", ") + "."
}

// publicFields are the public facts as JSON, one entry per field.
func publicFields(f incident.Facts) map[string]json.RawMessage {
	b, _ := json.Marshal(notice.PublicFacts(f))
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	return m
}
