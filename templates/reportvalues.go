package templates

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// reportSections orders the fields of a report the way RULES.md §6 lists
// them; a key not named here is still shown, under "Other information".
var reportSections = []struct {
	title string
	keys  []string
}{
	{"Controller and contact", []string{"controller", "contact_point", "dpo", "authority", "authorities_notified"}},
	{"Timeline", []string{"occurred_from", "occurred_to", "detected_at", "aware_at", "contained_at", "closed_at"}},
	{"Nature of the breach", []string{"title", "nature_of_breach", "description", "kind", "breach_type",
		"malicious_suspected", "cross_border", "indicators_of_compromise"}},
	{"People and data affected", []string{"subjects_approximate", "records_approximate",
		"subjects_by_jurisdiction", "data_categories"}},
	{"Severity and likely consequences", []string{"risk", "severity", "likely_consequences", "final_impact"}},
	{"Measures", []string{"measures_taken", "measures_proposed", "mitigation_applied", "mitigation_ongoing",
		"recovery_status"}},
	{"Informing the people affected", []string{"subjects_plan", "notification_progress", "public_notice"}},
	{"Root cause and closure", []string{"root_cause", "threat_type", "final_measures", "preventive_measures"}},
	{"Timing and follow-up", []string{"trigger", "reasons_for_delay", "more_to_follow", "decision_version"}},
}

// labels names report keys for people; keys not listed are spelled out
// ("decided_by" -> "Decided by"), codes such as "DE" or "US-CA" stay as
// they are.
var labels = map[string]string{
	"controller": "Controller", "name": "Name", "establishment": "Main establishment",
	"contact_point": "Contact point (DPO)", "authority": "Competent authority",
	"authorities_notified": "Authorities notified",
	"occurred_from":        "Breach began", "occurred_to": "Breach ended", "detected_at": "Detected",
	"aware_at": "Became aware (deadline clock)", "contained_at": "Contained", "closed_at": "Closed",
	"title": "Title", "nature_of_breach": "Nature of the breach", "breach_type": "Breach type",
	"malicious_suspected": "Malicious cause suspected", "cross_border": "Cross-border impact",
	"indicators_of_compromise": "Indicators of compromise",
	"subjects_approximate":     "People affected (approximate)",
	"records_approximate":      "Records affected (approximate)",
	"subjects_by_jurisdiction": "People affected by jurisdiction",
	"data_categories":          "Categories of personal data",
	"risk":                     "Risk to people", "severity": "Severity (ENISA)",
	"band": "Band", "score": "Score (SE = DPC × EI + CB)", "dpc": "Data processing context (DPC)",
	"ei": "Ease of identification (EI)", "cb": "Circumstances of the breach (CB)", "rationale": "Rationale",
	"likely_consequences": "Likely consequences", "measures_taken": "Measures taken",
	"measures_proposed": "Measures proposed", "subjects_plan": "Informing the people affected",
	"notification_progress": "Notification progress", "subjects": "People to inform", "sent": "Told",
	"failed": "Failed attempts", "unreachable": "Unreachable", "uncertain": "Delivery uncertain",
	"pending": "Pending", "queued": "Queued for delivery", "delivered": "Delivery confirmed", "by_channel": "By channel", "email": "Email", "sms": "SMS", "push": "Push",
	"public_notice": "Public notice", "url": "Address", "published_at": "Published", "revision": "Revision",
	"root_cause": "Root cause", "final_measures": "Final measures",
	"trigger": "Why this report now", "reasons_for_delay": "Reasons for the delay", "more_to_follow": "More information to follow",
	"decision_version": "Decision version",
	"threat_type":      "Threat type", "recovery_status": "Recovery status", "contained": "Contained",
	"availability": "Availability", "restore_hours": "Restore time (hours)", "backup_available": "Backup available",
	"final_impact": "Final impact", "service_disruption_hours": "Service disruption (hours)",
	"financial_loss_eur": "Financial loss (EUR)", "fraud_observed": "Fraud observed",
}

// nestedOrder orders the keys of nested values (the controller, the
// severity, the notification progress); other keys follow, sorted.
var nestedOrder = []string{
	"name", "contact_point", "establishment",
	"band", "score", "dpc", "ei", "cb", "rationale",
	"subjects", "sent", "delivered", "failed", "unreachable", "uncertain", "pending", "queued", "by_channel",
	"url", "published_at", "revision",
}

func nestedRank(key string) int {
	for i, k := range nestedOrder {
		if k == key {
			return i
		}
	}
	return len(nestedOrder)
}

var phaseLabels = map[string]string{
	"initial": "Initial notification", "follow_up": "Follow-up report", "final": "Final report",
	"early_warning": "Early warning", "notification": "Incident notification",
	"intermediate": "Intermediate report", "progress": "Progress report",
}

var (
	codeKey   = regexp.MustCompile(`^[A-Z0-9]{2,3}(-[A-Z0-9]{1,3})?$`)
	codeValue = regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)+$`)
)

func label(key string) string {
	if l, ok := labels[key]; ok {
		return l
	}
	if codeKey.MatchString(key) {
		return key
	}
	s := strings.ReplaceAll(key, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func phaseLabel(p string) string {
	if l, ok := phaseLabels[p]; ok {
		return l
	}
	return label(p)
}

// toValue turns a JSON value into text, a list or labelled fields.
func toValue(v any) value {
	switch v := v.(type) {
	case nil:
		return value{Text: "not known"}
	case bool:
		if v {
			return value{Text: "yes"}
		}
		return value{Text: "no"}
	case json.Number:
		return value{Text: number(v)}
	case string:
		return value{Text: text(v)}
	case []any:
		if len(v) == 0 {
			return value{Text: "none"}
		}
		list := make([]value, len(v))
		for i, it := range v {
			list[i] = toValue(it)
		}
		return value{List: list}
	case map[string]any:
		return mapValue(v)
	}
	return value{Text: "not known"}
}

func mapValue(m map[string]any) value {
	if len(m) == 0 {
		return value{Text: "none"}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := nestedRank(keys[i]), nestedRank(keys[j])
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	fs := make([]field, len(keys))
	for i, k := range keys {
		fs[i] = field{Label: label(k), Value: toValue(m[k])}
	}
	return value{Fields: fs}
}

// text shows timestamps in UTC and spells out codes like "very_high".
func text(s string) string {
	switch {
	case s == "":
		return "not known"
	case codeValue.MatchString(s):
		return strings.ReplaceAll(s, "_", " ")
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return reportTime(t)
	}
	return s
}

// number writes whole numbers with thousands separators (12,000).
func number(n json.Number) string {
	i, err := n.Int64()
	if err != nil {
		return n.String()
	}
	s := strconv.FormatInt(i, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
