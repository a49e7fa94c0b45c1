package csaf

import (
	"strings"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/templates"
)

// Note categories (CSAF 2.0 §3.2.2.8). The profile needs at least one of
// description, details, general or summary; the summary always exists.
const (
	noteSummary     = "summary"
	noteDescription = "description"
	noteDetails     = "details"
	noteGeneral     = "general"
)

// notesFor says, in the order the notice page does, what happened, what it
// may mean, what was and will be done, what people can do, how to find out
// whether they are affected and how to tell the real notice from phishing.
// f must already be the public facts.
func notesFor(id string, f incident.Facts, noticeURL string) []note {
	notes := []note{{Category: noteSummary, Title: "Summary",
		Text: firstNonBlank(f.Summary, f.Title, "Security incident "+id)}}
	add := func(category, title, text string) {
		if strings.TrimSpace(text) != "" {
			notes = append(notes, note{Category: category, Title: title, Text: text})
		}
	}
	var taken, planned []string
	if m := f.Measures; m != nil {
		taken, planned = m.Taken, m.Planned
	}
	add(noteDescription, "What happened", whatHappened(f))
	add(noteDetails, "Data involved and what it may mean", dataInvolved(f))
	add(noteGeneral, "What we have done", bullets(taken))
	add(noteGeneral, "What we are going to do", bullets(planned))
	add(noteGeneral, "What you can do", bullets(adviceFor(f)))
	add(noteGeneral, "What we offer you", bullets(f.Remediation))
	add(noteGeneral, "How to find out whether you are affected", affectedText(id, f))
	add(noteGeneral, "How to recognise the genuine notice", genuineText(noticeURL))
	return notes
}

// whatHappened: the kind of incident, its timeline and what happened to
// the data.
func whatHappened(f incident.Facts) string {
	var lines []string
	if f.Kind != "" {
		lines = append(lines, "Type of incident: "+kindName(f.Kind)+".")
	}
	for _, e := range []struct {
		label string
		at    *time.Time
	}{
		{"Started", f.OccurredFrom}, {"Ended", f.OccurredTo}, {"Detected", f.DetectedAt},
		{"Contained", f.ContainedAt}, {"Closed", f.ClosedAt},
	} {
		if e.at != nil {
			lines = append(lines, e.label+": "+e.at.UTC().Format("2 January 2006, 15:04 UTC")+".")
		}
	}
	if f.Breach != nil {
		lines = append(lines, templates.BreachImpact(f.Breach, "en")...)
	}
	return strings.Join(lines, "\n")
}

// dataInvolved lists the categories of data involved, what each may mean,
// most actionable first; unknown categories are named as given.
func dataInvolved(f incident.Facts) string {
	var cats []string
	if f.Data != nil {
		cats = f.Data.Categories
	}
	if len(cats) == 0 {
		return "We are still investigating which information was affected. We will update this notice as soon as we know."
	}
	return "Information involved:\n" + bullets(describeCategories(cats))
}

// adviceFor is the team's advice, or advice fitting the data involved when
// the team gave none.
func adviceFor(f incident.Facts) []string {
	if len(f.Advice) > 0 {
		return f.Advice
	}
	cats := map[string]bool{}
	if f.Data != nil {
		for _, c := range f.Data.Categories {
			cats[c] = true
		}
	}
	return defaultAdvice(cats)
}

func affectedText(id string, f incident.Facts) string {
	how := "contact us through the contact details on our own website"
	if c := f.Controller; c != nil && strings.TrimSpace(c.ContactPoint) != "" {
		how = "contact " + c.ContactPoint
	}
	return "Wherever we can, we tell the people whose information is involved individually. " +
		"If you have not heard from us and want to know whether your information is involved, " +
		how + " and quote the reference " + id + "."
}

func genuineText(noticeURL string) string {
	return "This notice is published only on our own website, at " + noticeURL + ". " +
		"We will never ask you for your password, PIN or payment card details by email, text message or phone. " +
		"If you receive a message about this incident that asks for such details or for a payment, it is not from us: " +
		"do not reply and do not click on its links."
}

// bullets writes one "- item" line per non-blank item.
func bullets(items []string) string {
	var b strings.Builder
	for _, it := range items {
		if strings.TrimSpace(it) == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("- " + it)
	}
	return b.String()
}
