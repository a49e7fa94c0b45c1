package templates

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
)

// Size limits for the short channels.
const (
	// An SMS is capped at two GSM-7 segments (306 characters). Latin-script
	// text that needs UCS-2 (a name in Cyrillic, say) gets four segments
	// (268 characters): two would leave no room for the sentence and the
	// link. Chinese and Japanese, UCS-2 by nature and dense, keep to two
	// (134 characters); see denseSMS.
	smsMaxGSMSegments   = 2
	smsMaxUCS2Segments  = 4
	smsMaxDenseSegments = 2
	// pushTitleMax and pushTextMax keep a push short enough to read at a
	// glance; the link is in the text and in Message.Link.
	pushTitleMax = 65
	pushTextMax  = 200
	// minTitle is the shortest cut-down incident title still worth showing;
	// below it the message drops the title.
	minTitle = 12
)

// messageView is what the notice templates see: the data in the person's
// language, with dates written out and the link pointing at their language.
type messageView struct {
	NoticeData
	Lang     string
	Subject  string
	Link     string
	Started  string
	Detected string
}

// Render writes the notice for one person on one channel ("email", "sms",
// "push") in locale (negotiated again here, so "de-AT" or an unsupported
// locale are safe). It returns the message and the id of the template used,
// such as "email/de@v1".
func Render(channel, locale string, d NoticeData) (notifier.Message, string, error) {
	s, err := Default()
	if err != nil {
		return notifier.Message{}, "", err
	}
	return s.Render(channel, locale, d)
}

// Render is the package-level Render on this set.
func (s *Set) Render(channel, locale string, d NoticeData) (notifier.Message, string, error) {
	loc := Negotiate(locale, "")
	id := channel + "/" + loc + "@" + Version
	v, err := s.view(loc, d)
	if err != nil {
		return notifier.Message{}, "", err
	}
	var m notifier.Message
	switch channel {
	case incident.ChannelEmail:
		m, err = s.email(v)
	case incident.ChannelSMS:
		m, err = s.sms(v)
	case incident.ChannelPush:
		m, err = s.push(v)
	default:
		return notifier.Message{}, "", incident.Invalid("channel", "unknown channel %q", channel)
	}
	if err != nil {
		return notifier.Message{}, "", fmt.Errorf("render %s: %w", id, err)
	}
	m.Link = v.Link
	return m, id, nil
}

// view localizes d: phrase codes written out, an unnamed controller called
// "our organisation", dates in the locale's style.
func (s *Set) view(loc string, d NoticeData) (messageView, error) {
	c := s.cats[loc]
	d.Impact, d.Advice = c.lines(d.Impact), c.lines(d.Advice)
	d.Title, d.Controller, d.Name = oneLine(d.Title), oneLine(d.Controller), oneLine(d.Name)
	if d.Title == "" && strings.TrimSpace(d.Summary) == "" {
		d.Title = c.strings["page.untitled"] // never an empty "What happened"
	}
	if d.Controller == "" {
		fallback, err := c.text("fallback.controller")
		if err != nil {
			return messageView{}, err
		}
		d.Controller = fallback
	}
	return messageView{
		NoticeData: d,
		Lang:       loc,
		Link:       localizedLink(d.NoticeURL, loc),
		Started:    c.dateTime(d.OccurredFrom),
		Detected:   c.dateTime(d.DetectedAt),
	}, nil
}

func (s *Set) email(v messageView) (notifier.Message, error) {
	subject, err := s.cats[v.Lang].text("email.subject", "controller", v.Controller)
	if err != nil {
		return notifier.Message{}, err
	}
	v.Subject = oneLine(subject)
	text, err := s.execText(v.Lang, "email.txt.tmpl", v)
	if err != nil {
		return notifier.Message{}, err
	}
	html, err := s.execHTML(v.Lang, "email.html.tmpl", v)
	if err != nil {
		return notifier.Message{}, err
	}
	return notifier.Message{Subject: v.Subject, Text: text, HTML: html}, nil
}

// sms is short and plain: who, that something happened, the link. The
// incident title is shortened (or left out) to stay within the locale's
// segment budget (see smsMaxGSMSegments).
func (s *Set) sms(v messageView) (notifier.Message, error) {
	if v.Link == "" {
		return notifier.Message{}, incident.Invalid("notice_url", "an sms needs the public notice link")
	}
	segments, ellipsis := smsBudget(v.Lang)
	text, err := fitTitle(v.Title, ellipsis, func(title string) (string, error) {
		v.Title = title
		out, err := s.execText(v.Lang, "sms.txt.tmpl", v)
		return smsText(out), err
	}, func(text string) int { return smsOver(text, segments) })
	if err != nil {
		return notifier.Message{}, err
	}
	return notifier.Message{Text: text}, nil
}

// push carries a title and one short sentence with the link.
func (s *Set) push(v messageView) (notifier.Message, error) {
	if v.Link == "" {
		return notifier.Message{}, incident.Invalid("notice_url", "a push needs the public notice link")
	}
	title, err := s.cats[v.Lang].text("push.title", "controller", v.Controller)
	if err != nil {
		return notifier.Message{}, err
	}
	text, err := fitTitle(v.Title, "…", func(t string) (string, error) {
		v.Title = t
		out, err := s.execText(v.Lang, "push.txt.tmpl", v)
		return oneLine(out), err
	}, func(s string) int { return len([]rune(s)) - pushTextMax })
	if err != nil {
		return notifier.Message{}, err
	}
	return notifier.Message{Title: truncate(oneLine(title), pushTitleMax, "…"), Text: text}, nil
}

// fitTitle renders with the full title, then with ever shorter cuts of it
// until over (how far the output is beyond its limit) is <= 0. Below
// minTitle runes it renders with no title: the templates then use their
// short wording. The result may still be over if even that is too long.
func fitTitle(title, ellipsis string, render func(string) (string, error), over func(string) int) (string, error) {
	cand := title
	for {
		out, err := render(cand)
		if err != nil {
			return "", err
		}
		excess := over(out)
		if excess <= 0 || cand == "" {
			return out, nil
		}
		keep := len([]rune(cand)) - excess
		if keep < minTitle {
			cand = ""
			continue
		}
		cand = truncate(title, keep, ellipsis)
	}
}

// localizedLink points the notice link at the person's language, unless
// the link already names one.
func localizedLink(raw, lang string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Query().Has("lang") {
		return raw
	}
	q := u.Query()
	q.Set("lang", lang)
	u.RawQuery = q.Encode()
	return u.String()
}
