package smstest_test

import (
	"net/url"
	"testing"

	"github.com/twilio/twilio-go/client"

	"github.com/herald-notify/herald/notifier/sms/smstest"
)

// TestSignMatchesTwilio checks Sign against the vector in twilio-go's own
// validator tests and against the validator itself, with and without a
// port in the URL.
func TestSignMatchesTwilio(t *testing.T) {
	const u = "https://mycompany.com/myapp.php?foo=1&bar=2"
	form := url.Values{"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
		"Caller": {"+14158675309"}, "From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"}}
	if got := smstest.Sign("12345", u, form); got != "vOEb5UThFn24KEfnOFLQY2AE5FY=" {
		t.Errorf("Sign = %s, want twilio-go's test vector", got)
	}
	params := map[string]string{}
	for k, v := range form {
		params[k] = v[0]
	}
	v := client.NewRequestValidator(smstest.AuthToken)
	for _, signed := range []string{"http://127.0.0.1:8080/webhooks/twilio/status", "https://herald.example.com/status"} {
		if !v.Validate(signed, params, smstest.Sign(smstest.AuthToken, signed, form)) {
			t.Errorf("twilio-go refuses Sign's signature for %s", signed)
		}
	}
	form.Set("Digits", "1235")
	if v.Validate(u, params, smstest.Sign(smstest.AuthToken, u, form)) {
		t.Error("a signature of different params validated")
	}
}

func TestReportStatusNeedsCallback(t *testing.T) {
	s := smstest.NewServer(t)
	if _, err := s.ReportStatus(smstest.Message{SID: "SM1"}, "failed", ""); err == nil {
		t.Error("ReportStatus without a StatusCallback succeeded")
	}
}
