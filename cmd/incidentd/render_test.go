package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
)

func TestNoticeRendererSharesOnlyWhatIsShared(t *testing.T) {
	r := &noticeRenderer{noticeURL: func(id string) string { return "https://status.example/notices/" + id }}
	inc := incident.Incident{ID: "INC-1", Facts: incidenttest.DemoFacts(t), UpdatedAt: time.Unix(100, 0)}
	anna := incident.Subject{ID: "s1", Name: "Anna", Locale: "de"}
	bert := incident.Subject{ID: "s2", Name: "Bert", Locale: "de"}

	a, err := r.render(incident.ChannelPush, inc, anna)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.render(incident.ChannelPush, inc, bert)
	if !reflect.DeepEqual(a, b) || a.Locale != "de" || a.Message.Text == "" {
		t.Errorf("push for two people of one locale differs or is empty: %+v / %+v", a, b)
	}
	inc.Facts.Title = "A new title for the second version"
	inc.UpdatedAt = inc.UpdatedAt.Add(time.Second)
	if c, _ := r.render(incident.ChannelPush, inc, anna); reflect.DeepEqual(c.Message, a.Message) {
		t.Error("a changed incident was served the old push message")
	}
	ea, _ := r.render(incident.ChannelEmail, inc, anna)
	eb, _ := r.render(incident.ChannelEmail, inc, bert)
	if !strings.Contains(ea.Message.Text, "Anna") || !strings.Contains(eb.Message.Text, "Bert") {
		t.Error("email is not greeting each person by name")
	}
}
