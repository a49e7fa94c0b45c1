// Package csaf renders a public Security Notice as a CSAF 2.0 document of
// the profile csaf_security_incident_response, so that CSAF tooling (CERTs,
// aggregators, customers' security teams) can read what the notice page
// tells people. Like the page, it carries only the incident's public facts
// (notice.PublicFacts), never anyone's personal data.
package csaf

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier/notice"
)

const (
	profile          = "csaf_security_incident_response"
	csafVersion      = "2.0"
	lang             = "en" // the facts are in the language the response team wrote them
	engineName       = "Herald"
	tlpPublic        = "WHITE" // CSAF 2.0 uses TLP 1.0 labels; WHITE: disclosure is not limited
	distributionText = "Public notice: may be shared freely."
)

// Publisher names who issues the documents (CSAF document.publisher).
type Publisher struct {
	// Name of the issuing party; "" uses the controller named in the facts.
	Name string
	// Namespace is an absolute http(s) URL under the publisher's control,
	// such as Herald's public URL.
	Namespace string
	// ContactDetails say how to reach the publisher; "" uses the
	// controller's contact point from the facts.
	ContactDetails string
	// Category is the CSAF publisher category; "" is "other".
	Category string
}

// Document renders the notice's revisions (oldest first, the last is
// current) as a CSAF 2.0 document of the profile
// csaf_security_incident_response, JSON-encoded. noticeURL is the absolute
// address of the notice page, given as the document's external reference.
// The tracking id is the incident id, the version the latest revision
// number, and the status interim until the facts say the incident is closed.
func Document(revisions []incident.Notice, pub Publisher, noticeURL string) ([]byte, error) {
	if err := checkRevisions(revisions); err != nil {
		return nil, err
	}
	if err := checkURL(noticeURL); err != nil {
		return nil, fmt.Errorf("notice url: %w", err)
	}
	latest := revisions[len(revisions)-1]
	facts := notice.PublicFacts(latest.Facts) // whatever was handed in, only public facts go out
	p, err := publisherFor(pub, facts)
	if err != nil {
		return nil, err
	}
	doc := advisory{Document: document{
		Category:     profile,
		CSAFVersion:  csafVersion,
		Distribution: distribution{Text: distributionText, TLP: tlp{Label: tlpPublic}},
		Lang:         lang,
		Notes:        notesFor(latest.IncidentID, facts, noticeURL),
		Publisher:    p,
		References:   []reference{{Category: "external", Summary: "Security Notice (web page)", URL: noticeURL}},
		Title:        titleOf(latest),
		Tracking:     trackingOf(revisions, facts),
	}}
	// encoding/json escapes <, > and & (and U+2028/U+2029), so the
	// incident's text can never become markup where the document is shown.
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode csaf document of %s: %w", latest.IncidentID, err)
	}
	return append(b, '\n'), nil
}

// checkRevisions makes sure the revisions are one notice's full history,
// oldest first: what the revision history's mandatory tests (sorted, no
// missing or repeated numbers, version = last number) depend on.
func checkRevisions(revs []incident.Notice) error {
	if len(revs) == 0 {
		return errors.New("revisions: at least one is required")
	}
	id := revs[0].IncidentID
	if !validTrackingID(id) {
		return errors.New("revisions[0].incident_id: must be non-empty, without surrounding spaces or control characters")
	}
	for i, n := range revs {
		switch {
		case n.IncidentID != id:
			return fmt.Errorf("revisions[%d].incident_id: differs from the first revision's", i)
		case n.Revision != i+1:
			return fmt.Errorf("revisions[%d].revision: is %d, want %d (every revision from 1, oldest first)", i, n.Revision, i+1)
		case n.UpdatedAt.IsZero():
			return fmt.Errorf("revisions[%d].updated_at: is required", i)
		case i > 0 && n.UpdatedAt.Before(revs[i-1].UpdatedAt):
			return fmt.Errorf("revisions[%d].updated_at: is before the previous revision's", i)
		}
	}
	return nil
}

// validTrackingID: CSAF's tracking id pattern ^\S(.*\S)?$, read strictly
// (no control characters or line breaks anywhere).
func validTrackingID(id string) bool {
	if id == "" || strings.TrimSpace(id) != id {
		return false
	}
	return !strings.ContainsFunc(id, func(r rune) bool {
		return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	})
}

// checkURL accepts an absolute http(s) URL with a host: the schema's "uri"
// format, and something a reader can open.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("must be an absolute http(s) URL")
	}
	return nil
}

func publisherFor(pub Publisher, f incident.Facts) (publisher, error) {
	p := publisher{Category: pub.Category, ContactDetails: pub.ContactDetails, Name: pub.Name, Namespace: pub.Namespace}
	if p.Category == "" {
		p.Category = "other"
	}
	if c := f.Controller; c != nil {
		p.Name = firstNonBlank(p.Name, c.Name)
		p.ContactDetails = firstNonBlank(p.ContactDetails, c.ContactPoint)
	}
	if strings.TrimSpace(p.Name) == "" {
		return p, errors.New("publisher.name: is required (or a controller name in the facts)")
	}
	if err := checkURL(p.Namespace); err != nil {
		return p, fmt.Errorf("publisher.namespace: %w", err)
	}
	return p, nil
}

// titleOf prefers the published title, as the page does.
func titleOf(n incident.Notice) string {
	return firstNonBlank(n.Title, n.Facts.Title, "Security incident "+n.IncidentID)
}

func trackingOf(revs []incident.Notice, f incident.Facts) tracking {
	first, latest := revs[0], revs[len(revs)-1]
	initial := first.UpdatedAt
	if !first.PublishedAt.IsZero() && first.PublishedAt.Before(initial) {
		initial = first.PublishedAt
	}
	status := "interim" // the team expects to update it
	if f.ClosedAt != nil {
		status = "final"
	}
	return tracking{
		CurrentReleaseDate: timestamp(latest.UpdatedAt),
		Generator:          generator{Engine: engine{Name: engineName}},
		ID:                 latest.IncidentID,
		InitialReleaseDate: timestamp(initial),
		RevisionHistory:    history(revs),
		Status:             status,
		Version:            strconv.Itoa(latest.Revision),
	}
}

func history(revs []incident.Notice) []revision {
	out := make([]revision, len(revs))
	for i, n := range revs {
		summary := "Initial publication."
		if i > 0 {
			summary = changeSummary(revs[i-1], n)
		}
		out[i] = revision{Date: timestamp(n.UpdatedAt), Number: strconv.Itoa(n.Revision), Summary: summary}
	}
	return out
}

// timestamp keeps sub-second precision so revisions published within one
// second still sort by date as they do by number.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func firstNonBlank(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
