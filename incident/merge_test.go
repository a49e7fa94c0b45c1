package incident

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestMergePatch(t *testing.T) {
	cases := []struct{ doc, patch, want string }{
		{`{"a":1,"b":{"c":2,"d":3}}`, `{"b":{"c":5}}`, `{"a":1,"b":{"c":5,"d":3}}`},
		{`{"a":1,"b":2}`, `{"b":null}`, `{"a":1}`},
		{`{"a":[1,2]}`, `{"a":[3]}`, `{"a":[3]}`},
		{``, `{"a":1}`, `{"a":1}`},
	}
	for _, c := range cases {
		got, err := MergePatch(json.RawMessage(c.doc), json.RawMessage(c.patch))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.want {
			t.Errorf("MergePatch(%s, %s) = %s, want %s", c.doc, c.patch, got, c.want)
		}
	}
}

func TestSubjectNeverPrintsContactDetails(t *testing.T) {
	s := Subject{ID: "u-1", Email: "ana@example.com", Phone: "+5511912345678", PushTokens: []string{"tok"}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, s)
		if out != "subject u-1" {
			t.Errorf("%s printed %q", verb, out)
		}
	}
}
