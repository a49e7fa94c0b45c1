package webhook

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
)

// MinSecretBytes is the shortest secret a Target may have: 128 bits.
const MinSecretBytes = 16

// CheckURL reports why raw cannot be a webhook URL, or nil. Only https is
// accepted, except http to a loopback host (tests, a receiver on the same
// machine). The message never quotes the URL, whose query may carry a
// token: the caller names the field, e.g. "authorities[2].webhook_url: %w".
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("is not a valid URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return errors.New("must be an https URL")
	case u.Hostname() == "":
		return errors.New("must be an absolute URL with a host")
	case u.Scheme == "http" && !loopback(u.Hostname()):
		return errors.New("must use https (http only to a loopback host)")
	case u.User != nil:
		// Go would send it as Basic auth, and a URL is copied into places
		// a secret should not go; the signature authenticates instead.
		return errors.New("must not contain a user name or password")
	}
	return nil
}

func loopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// Check reports the first problem of t, naming the field ("url: ...",
// "secret: ..."), never its value.
func (t Target) Check() error {
	if err := CheckURL(t.URL); err != nil {
		return errors.New("url: " + err.Error())
	}
	if len(t.Secret) < MinSecretBytes {
		return errors.New("secret: must be at least 16 bytes")
	}
	return nil
}
