package contract

import "testing"

// TestNoticeRequested: the team's request for a public notice is a fact of
// `opened` and `updated` events, a boolean (null withdraws it, as any
// merge-patch null does).
func TestNoticeRequested(t *testing.T) {
	for _, file := range []string{"opened.json", "updated.json"} {
		value := mutated(t, file, func(ev map[string]any) { obj(ev["data"])["notice_requested"] = true })
		ev, err := Decode(value, nil)
		if err != nil {
			t.Fatalf("%s with notice_requested true: %v", file, err)
		}
		f, err := FactsFromEvent(ev)
		if err != nil || !f.NoticeRequested {
			t.Errorf("%s: facts.NoticeRequested = %v (%v), want true", file, f.NoticeRequested, err)
		}
	}
	if _, err := Decode(mutated(t, "updated.json", func(ev map[string]any) {
		obj(ev["data"])["notice_requested"] = nil
	}), nil); err != nil {
		t.Errorf("null notice_requested (withdraw) rejected: %v", err)
	}
	for _, bad := range []any{"yes", 1, map[string]any{"v": true}} {
		_, err := Decode(mutated(t, "updated.json", func(ev map[string]any) {
			obj(ev["data"])["notice_requested"] = bad
		}), nil)
		assertInvalid(t, err, "data.notice_requested", "must be true or false")
	}
	f, err := DecodeFacts([]byte(`{"incident_id": "INC-1", "notice_requested": true}`))
	if err != nil || !f.NoticeRequested {
		t.Errorf("DecodeFacts: NoticeRequested = %v (%v)", f.NoticeRequested, err)
	}
	_, err = DecodeFacts([]byte(`{"incident_id": "INC-1", "notice_requested": "true"}`))
	assertInvalid(t, err, "notice_requested", "must be true or false")
}
