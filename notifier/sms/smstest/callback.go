package smstest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Sign computes X-Twilio-Signature the way Twilio signs a POST webhook:
// HMAC-SHA1, keyed with the auth token, of the full URL followed by every
// form field's name and value with no separators, fields sorted by name;
// base64. Written here from Twilio's description, independently of the
// twilio-go validator the handler uses, so the two check each other.
func Sign(authToken, rawURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(rawURL)
	for _, k := range slices.Sorted(maps.Keys(form)) {
		for _, v := range form[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// StatusForm is the form Twilio posts when message m reaches status
// ("sent", "delivered", "undelivered", "failed", ...), with ErrorCode when
// errorCode is not "". Like Twilio's, it carries the To and From numbers.
func StatusForm(m Message, status, errorCode string) url.Values {
	f := url.Values{
		"MessageSid": {m.SID}, "SmsSid": {m.SID}, "AccountSid": {AccountSID},
		"To": {m.To}, "From": {m.From}, "MessageStatus": {status}, "SmsStatus": {status},
		"ApiVersion": {"2010-04-01"},
	}
	if m.MessagingServiceSID != "" {
		f.Set("MessagingServiceSid", m.MessagingServiceSID)
	}
	if errorCode != "" {
		f.Set("ErrorCode", errorCode)
	}
	return f
}

// PostSigned posts form to target with signature as X-Twilio-Signature
// ("" sends none) and returns the answer's HTTP status.
func PostSigned(target string, form url.Values, signature string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, fmt.Errorf("build status callback: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	if signature != "" {
		req.Header.Set("X-Twilio-Signature", signature)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return 0, fmt.Errorf("post status callback: %w", err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// PostStatus posts form to target signed, with AuthToken, for signedURL:
// the public URL Twilio was given, which differs from target when Herald
// sits behind a proxy.
func PostStatus(target, signedURL string, form url.Values) (int, error) {
	return PostSigned(target, form, Sign(AuthToken, signedURL, form))
}

// ReportStatus does what Twilio does when message m reaches status: posts
// a signed callback to the StatusCallback m was created with.
func (s *Server) ReportStatus(m Message, status, errorCode string) (int, error) {
	if m.StatusCallback == "" {
		return 0, fmt.Errorf("message %s was created without a StatusCallback", m.SID)
	}
	return PostStatus(m.StatusCallback, m.StatusCallback, StatusForm(m, status, errorCode))
}
