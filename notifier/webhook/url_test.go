package webhook_test

import (
	"strings"
	"testing"

	"github.com/herald-notify/herald/notifier/webhook"
)

func TestCheckURL(t *testing.T) {
	cases := map[string]string{ // URL -> part of the error, "" = accepted
		"https://authority.example/herald?token=QUERYSECRET": "",
		"https://authority.example:8443/hooks/herald":        "",
		"HTTPS://authority.example/":                         "",
		"http://127.0.0.1:8080/hook":                         "",
		"http://[::1]:8080/hook":                             "",
		"http://localhost/hook?token=QUERYSECRET":            "",
		"http://authority.example/hook?token=QUERYSECRET":    "must use https",
		"http://10.0.0.5/hook":                               "must use https",
		"http://localhost.authority.example/":                "must use https",
		"ftp://authority.example/":                           "must be an https URL",
		"authority.example/hook":                             "must be an https URL",
		"":                                                   "must be an https URL",
		"https:///hook":                                      "with a host",
		"https://user:QUERYSECRET@authority.example/":        "user name or password",
		"https://authority.example/%zz?token=QUERYSECRET":    "not a valid URL",
		"https://authority.example\x7f/?token=QUERYSECRET":   "not a valid URL",
	}
	for raw, want := range cases {
		err := webhook.CheckURL(raw)
		switch {
		case want == "" && err != nil:
			t.Errorf("CheckURL(%q) = %v, want nil", raw, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("CheckURL(%q) = %v, want %q", raw, err, want)
		case err != nil && (strings.Contains(err.Error(), "QUERYSECRET") || strings.Contains(err.Error(), "authority.example")):
			t.Errorf("CheckURL(%q) quotes the URL: %v", raw, err)
		}
	}
}

func TestTargetCheck(t *testing.T) {
	good := webhook.Target{URL: "https://authority.example/h", Secret: testSecret}
	if err := good.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	for name, tc := range map[string]struct {
		target webhook.Target
		want   string
	}{
		"http":         {webhook.Target{URL: "http://authority.example/h", Secret: testSecret}, "url: must use https"},
		"no secret":    {webhook.Target{URL: good.URL}, "secret: "},
		"short secret": {webhook.Target{URL: good.URL, Secret: []byte("SHORTSECRET")}, "secret: "},
	} {
		err := tc.target.Check()
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: Check = %v, want prefix %q", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "SHORTSECRET") {
			t.Errorf("%s: Check quotes the secret: %v", name, err)
		}
	}
}
