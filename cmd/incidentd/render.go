package main

import (
	"sync"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier/dispatch"
	"github.com/herald-notify/herald/templates"
)

// noticeRenderer renders each person's notice. Push and SMS do not greet
// by name, so everyone of one incident version and one locale gets the
// same message on them: it is rendered once and reused, which at a million
// people saves most of the rendering. Email is rendered per person.
type noticeRenderer struct {
	noticeURL func(incidentID string) string

	mu    sync.Mutex
	cache map[renderKey]dispatch.Rendered
}

// renderKey names one rendering. UpdatedAt changes with every stored
// change of the incident (the applier sets it), so a new version of the
// facts is never served an old message.
type renderKey struct {
	channel, locale, incidentID string
	updatedAt                   time.Time
}

// maxCachedRenders bounds the cache: channels x locales x incidents being
// told at once. When full it is emptied.
const maxCachedRenders = 1024

func (r *noticeRenderer) render(ch string, inc incident.Incident, s incident.Subject) (dispatch.Rendered, error) {
	locale := templates.Negotiate(s.Locale, s.Jurisdiction)
	shared := ch != incident.ChannelEmail
	key := renderKey{channel: ch, locale: locale, incidentID: inc.ID, updatedAt: inc.UpdatedAt}
	if shared {
		r.mu.Lock()
		hit, ok := r.cache[key]
		r.mu.Unlock()
		if ok {
			return hit, nil
		}
	}
	data := templates.NoticeDataFrom(inc, r.noticeURL(inc.ID))
	if !shared {
		data.Name = s.Name
	}
	msg, id, err := templates.Render(ch, locale, data)
	out := dispatch.Rendered{Message: msg, TemplateID: id, Locale: locale}
	if err != nil || !shared {
		return out, err
	}
	r.mu.Lock()
	if r.cache == nil || len(r.cache) >= maxCachedRenders {
		r.cache = map[renderKey]dispatch.Rendered{}
	}
	r.cache[key] = out
	r.mu.Unlock()
	return out, nil
}
